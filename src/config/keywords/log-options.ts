/**
 * @module
 * `option httpslog` and `error-log-format` (HAProxy 2.6, cfgparse-listen.c). `option httpslog` is
 * `option httplog` followed by the TLS fields of the client connection; the edge fills the ones
 * request.cf carries (SNI, version, cipher) and prints '-' for the handshake error codes, which stay
 * inside Cloudflare. `error-log-format` formats connection errors, which never reach the Worker.
 */
import { HTTPLOG_FORMAT } from '../../routemap/log-vars.ts'
import { parseLogFormat } from '../log-format.ts'
import { arity } from './args.ts'
import { FE_SECTIONS, type KeywordContext, type KeywordDef, type Statement } from './types.ts'

/**
 * log.c default_https_log_format with `%[fc_err]` as 0 (the request arrived, so the connection had
 * no error), the handshake error fields as '-', and `%sslv`/`%sslc` read from request.cf.
 */
export const HTTPSLOG_EDGE_FORMAT = `${HTTPLOG_FORMAT} 0/-/-/-/- %[ssl_fc_sni]/%[ssl_fc_protocol]/%[ssl_fc_cipher]`

function parseHttpslog(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p || !arity(st, cx.sv, 0, 0, '(no arguments)')) return
  // Like 'option httplog' and 'log-format', the last one of them wins.
  const format = parseLogFormat({ text: HTTPSLOG_EDGE_FORMAT, span: st.span, quoted: false }, 'response', cx.sv)
  if (format) p.logFormat = { text: HTTPSLOG_EDGE_FORMAT, format }
  cx.sv.diag.warning(
    'edge-mapping',
    st.keyword[1]?.span ?? st.span,
    "'option httpslog': the TLS handshake error fields (fc_err, ssl_fc_err, ssl_c_err, ssl_c_ca_err, ssl_fc_is_resumed) stay inside Cloudflare: the edge logs 0/-/-/-/-; SNI, version and cipher come from request.cf",
    {
      help: "use 'option httplog' or a 'log-format' with the fields you need to avoid this warning",
    },
  )
}

export const LOG_OPTION_KEYWORDS: readonly KeywordDef[] = [
  {
    name: 'option httpslog',
    sections: FE_SECTIONS,
    support: 'edge',
    note: 'the TLS handshake error fields print as 0/-/-/-/-: they stay inside Cloudflare; SNI, version and cipher come from request.cf',
    parse: parseHttpslog,
  },
  {
    name: 'error-log-format',
    sections: FE_SECTIONS,
    support: 'ignored',
    note: 'it formats connection errors (failed TLS handshakes, closed connections), which stay inside Cloudflare: the Worker only sees complete requests',
  },
]

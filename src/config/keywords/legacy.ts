/**
 * @module
 * Directives HAProxy 1.x knew and 2.6 refuses (cfgparse-listen.c, cfgparse-global.c, proxy.c): HAProxy
 * still recognises them, only to refuse them with a message that names the 2.x replacement. The
 * table keeps HAProxy 2.6's exact wording (its few typos included, so it reads like `haproxy -c`),
 * and says which ones `edgeproxy migrate` rewrites (src/config/legacy-rewrite.ts does the rewriting).
 */
import type { SectionKind } from '../ast.ts'
import type { Word } from '../lexer.ts'
import { type KeywordContext, type KeywordDef, PROXY_SECTIONS, type Statement } from './types.ts'

const SINCE_21 = (kw: string, use: string): string => `The '${kw}' directive is not supported anymore since HAProxy 2.1. Use '${use}' instead.`

/** One refused directive: HAProxy 2.6's message for it, and whether `edgeproxy migrate` can rewrite it. */
export interface LegacyDirective {
  readonly name: string
  readonly sections: readonly SectionKind[]
  /** HAProxy 2.6's message; `args` are the words after the keyword. */
  message(args: readonly Word[]): string
  /** `edgeproxy migrate` has a rewrite for it (exact in the common forms; it says when not). */
  readonly migrates: boolean
  /** Accepts `no`/`default` before it (HAProxy refuses the option the same way with them). */
  readonly negatable?: boolean
}

function msg(name: string, text: string | ((args: readonly Word[]) => string), migrates: boolean, sections: readonly SectionKind[] = PROXY_SECTIONS, negatable = false): LegacyDirective {
  return { name, sections, message: typeof text === 'string' ? () => text : text, migrates, ...(negatable ? { negatable } : {}) }
}

const REQ_REP = "Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead."

/** HAProxy 2.6's refusals, message for message. */
export const LEGACY_DIRECTIVES: readonly LegacyDirective[] = [
  msg('reqrep', `The 'reqrep' directive is not supported anymore since HAProxy 2.1. ${REQ_REP}`, true),
  msg('cliexp', `The 'cliexp' directive is not supported anymore since HAProxy 2.1. ${REQ_REP}`, true),
  msg('reqirep', SINCE_21('reqirep', 'http-request replace-header'), true),
  msg('reqdel', SINCE_21('reqdel', 'http-request del-header'), true),
  msg('reqidel', SINCE_21('reqidel', 'http-request del-header'), true),
  msg('reqdeny', "The 'reqdeny' not supported anymore since HAProxy 2.1. Use 'http-request deny' instead.", true),
  msg('reqideny', SINCE_21('reqideny', 'http-request deny'), true),
  msg('reqpass', "The 'reqpass' not supported anymore since HAProxy 2.1.", false),
  msg('reqipass', "The 'reqipass' directive is not supported anymore since HAProxy 2.1.", false),
  msg('reqallow', SINCE_21('reqallow', 'http-request allow'), true),
  msg('reqiallow', SINCE_21('reqiallow', 'http-request allow'), true),
  msg('reqtarpit', SINCE_21('reqtarpit', 'http-request tarpit'), true),
  msg('reqitarpit', SINCE_21('reqitarpit', 'http-request tarpit'), true),
  msg('reqadd', SINCE_21('reqadd', 'http-request add-header'), true),
  msg('rsprep', SINCE_21('rsprep', 'http-response replace-header'), true),
  msg('srvexp', SINCE_21('srvexp', 'http-response replace-header'), true),
  msg('rspirep', SINCE_21('rspirep', 'http-response replace-header'), true),
  msg('rspdel', "The 'rspdel' directive is not supported anymore since HAProxy 2.1. Use 'http-response del-header' .", true),
  msg('rspidel', SINCE_21('rspidel', 'http-response del-header'), true),
  msg('rspdeny', SINCE_21('rspdeny', 'http-response deny'), true),
  msg('rspideny', SINCE_21('rspideny', 'http-response deny'), true),
  msg('rspadd', SINCE_21('rspadd', 'http-response add-header'), true),
  msg('block', "The 'block' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' which uses the exact same syntax.", true),
  msg('redispatch', "keyword 'redispatch' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'.", true),
  msg('redisp', "keyword 'redisp' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'.", true),
  ...(['clitimeout', 'srvtimeout', 'contimeout'] as const).flatMap((kw) => {
    const text = `the '${kw}' directive is not supported anymore since HAProxy 2.1. Use 'timeout ${kw === 'clitimeout' ? 'client' : kw === 'srvtimeout' ? 'server' : 'connect'}'.`
    return [msg(kw, text, true), msg(`timeout ${kw}`, text, true)]
  }),
  msg('option forceclose', "option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed.", true, PROXY_SECTIONS, true),
  msg('option http-tunnel', "option 'http-tunnel' is not supported any more since HAProxy 2.1, please just remove it, it shouldn't be needed.", true, PROXY_SECTIONS, true),
  msg(
    'option http_proxy',
    "option 'http_proxy' is not supported any more since HAProxy 2.5. This option stopped working in HAProxy 1.9 and usually had nasty side effects. It can be more reliably implemented with combinations of 'http-request set-dst' and 'http-request set-uri', and even 'http-request do-resolve' if DNS resolution is desired.",
    false,
    PROXY_SECTIONS,
    true,
  ),
  msg('monitor-net', (args) => `'monitor-net' doesn't exist anymore. Please use 'http-request return status 200 if { src ${args[0]?.text ?? ''} }' instead.`, true),
  msg('appsession', "'appsession' is not supported anymore since HAProxy 1.6.", false),
  msg('grace', "the 'grace' keyword is not supported any more since HAProxy version 2.5.", false),
  msg('nbproc', 'nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.', true, ['global']),
  msg('tune.chksize', "option 'tune.chksize' is not supported any more (tune.bufsize is used instead).", true, ['global']),
]

export const MIGRATE_HELP = "'edgeproxy migrate -f FILE' rewrites HAProxy 1.x directives to their 2.x equivalents"

function refuse(d: LegacyDirective) {
  return (st: Statement, cx: KeywordContext): void => {
    const at = (st.keyword[st.keyword.length - 1] as Word).span
    cx.sv.diag.error('deprecated', at, d.message(st.args), d.migrates ? { help: MIGRATE_HELP } : undefined)
  }
}

export const LEGACY_KEYWORDS: readonly KeywordDef[] = [
  ...LEGACY_DIRECTIVES.map(
    (d): KeywordDef => ({
      name: d.name,
      sections: d.sections,
      support: 'removed',
      note: d.message([]).replace(/\{ src {2}\}/, '{ src <network> }'),
      ...(d.negatable ? { negatable: true } : {}),
      parse: refuse(d),
    }),
  ),
]

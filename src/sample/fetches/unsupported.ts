/**
 * @module
 * HAProxy 2.6 fetch keywords the edge cannot answer (or does not yet), so a configuration using
 * them gets "not supported" with the reason instead of "unknown fetch".
 */
import type { FetchDef, SampleType } from '../types.ts'
import { BOTH } from './util.ts'

const TCP = 'TCP details of the client connection stay inside Cloudflare'
const SERVER_CONN = "the Worker's fetch() to the origin does not expose the server-side connection"
const LISTENER = "listeners are Cloudflare's; the Worker sees requests, not sockets"
const PAYLOAD = 'TCP content inspection: the edge receives parsed HTTP requests, not raw bytes'
const BODY = 'not supported yet: request and response bodies are streamed, not buffered (no http-buffer-request)'
const TLS = 'TLS is terminated by Cloudflare; the Worker only sees the version, the cipher and the client certificate fields of request.cf'
const TLS_BACK = "the Worker's fetch() to the origin does not expose its TLS session"

const HTX = "HAProxy's internal HTX buffers do not exist at the edge (these fetches debug HAProxy itself)"

const LIST: readonly (readonly [string, SampleType, string])[] = [
  ...['internal.htx.data', 'internal.htx.free', 'internal.htx.free_data', 'internal.htx.nbblks', 'internal.htx.size', 'internal.htx.used', 'internal.htx_blk.size'].map(
    (n) => [n, 'int', HTX] as const,
  ),
  ...['internal.htx.has_eom', 'internal.strm.is_htx'].map((n) => [n, 'bool', HTX] as const),
  ...['internal.htx_blk.type', 'internal.htx_blk.data', 'internal.htx_blk.hdrname', 'internal.htx_blk.hdrval', 'internal.htx_blk.start_line'].map((n) => [n, 'str', HTX] as const),
  ...['fc_rttvar', 'fc_unacked', 'fc_sacked', 'fc_retrans', 'fc_fackets', 'fc_lost', 'fc_reordering', 'fc_http_major', 'fc_err', 'fc_rcvd_proxy'].map(
    (n) => [n, n === 'fc_rcvd_proxy' ? 'bool' : 'int', TCP] as const,
  ),
  ...['fc_err_str', 'fc_pp_authority', 'fc_pp_unique_id'].map((n) => [n, 'str', TCP] as const),
  ...['src_is_local', 'dst_is_local', 'fc_src_is_local', 'fc_dst_is_local'].map((n) => [n, 'bool', TCP] as const),
  ...['bc_src', 'bc_dst'].map((n) => [n, 'ip', SERVER_CONN] as const),
  ...['bc_src_port', 'bc_dst_port', 'bc_http_major', 'bc_err'].map((n) => [n, 'int', SERVER_CONN] as const),
  ['bc_err_str', 'str', SERVER_CONN],
  ['dst_conn', 'int', LISTENER],
  ['so_id', 'int', LISTENER],
  ['so_name', 'str', LISTENER],
  ...[
    'req.len',
    'req_len',
    'res.len',
    'req.rdp_cookie_cnt',
    'rdp_cookie_cnt',
    'req.ssl_hello_type',
    'req_ssl_hello_type',
    'res.ssl_hello_type',
    'rep_ssl_hello_type',
    'req.ssl_ver',
    'req_ssl_ver',
    'req.ssl_ec_ext',
    'req.ssl_st_ext',
  ].map((n) => [n, 'int', PAYLOAD] as const),
  ...['req.payload', 'req.payload_lv', 'payload', 'payload_lv', 'res.payload', 'res.payload_lv', 'distcc_body'].map((n) => [n, 'bin', PAYLOAD] as const),
  ...['req.rdp_cookie', 'rdp_cookie', 'req.ssl_sni', 'req_ssl_sni', 'req.ssl_alpn'].map((n) => [n, 'str', PAYLOAD] as const),
  ['distcc_param', 'int', PAYLOAD],
  ['wait_end', 'bool', PAYLOAD],
  ...['req.body', 'req.body_param', 'res.body'].map((n) => [n, 'bin', BODY] as const),
  ...['req.body_len', 'req.body_size', 'res.body_len', 'res.body_size'].map((n) => [n, 'int', BODY] as const),
  ['http_first_req', 'bool', 'the Worker does not see client connections, so it cannot tell the first request of one'],
  ['env', 'str', 'a Worker has no process environment'],
  ['hostname', 'str', 'a Worker has no host name (cf.colo names the Cloudflare data center)'],
  ...['cpu_calls', 'cpu_ns_avg', 'cpu_ns_tot', 'lat_ns_avg', 'lat_ns_tot'].map((n) => [n, 'int', 'scheduler statistics do not exist in a Worker'] as const),
  ['res.comp', 'bool', 'not supported yet: compression is not implemented'],
  ['res.comp_algo', 'str', 'not supported yet: compression is not implemented'],
  ['prio_class', 'int', 'not supported yet: queue priorities are not implemented'],
  ['prio_offset', 'int', 'not supported yet: queue priorities are not implemented'],
  ['fcgi.docroot', 'str', 'FastCGI applications cannot be reached from a Worker'],
  ['fcgi.index', 'str', 'FastCGI applications cannot be reached from a Worker'],
  ...['ssl_c_ca_err', 'ssl_c_ca_err_depth', 'ssl_c_err', 'ssl_c_version', 'ssl_f_version', 'ssl_s_version', 'ssl_fc_err', 'ssl_fc_protocol_hello_id', 'ssl_fc_cipherlist_xxh'].map(
    (n) => [n, 'int', TLS] as const,
  ),
  ...['ssl_fc_has_early', 'ssl_fc_is_resumed'].map((n) => [n, 'bool', TLS] as const),
  ...[
    'ssl_c_key_alg',
    'ssl_c_sig_alg',
    'ssl_f_i_dn',
    'ssl_f_s_dn',
    'ssl_f_key_alg',
    'ssl_f_notafter',
    'ssl_f_notbefore',
    'ssl_f_sig_alg',
    'ssl_s_i_dn',
    'ssl_s_s_dn',
    'ssl_s_key_alg',
    'ssl_s_notafter',
    'ssl_s_notbefore',
    'ssl_s_sig_alg',
    'ssl_fc_npn',
    'ssl_fc_err_str',
    'ssl_fc_cipherlist_bin',
    'ssl_fc_cipherlist_str',
    'ssl_fc_extlist_bin',
    'ssl_fc_eclist_bin',
    'ssl_fc_ecformats_bin',
    'ssl_fc_client_early_traffic_secret',
    'ssl_fc_client_handshake_traffic_secret',
    'ssl_fc_server_handshake_traffic_secret',
    'ssl_fc_client_traffic_secret_0',
    'ssl_fc_server_traffic_secret_0',
    'ssl_fc_exporter_secret',
    'ssl_fc_early_exporter_secret',
  ].map((n) => [n, 'str', TLS] as const),
  ...[
    'ssl_c_chain_der',
    'ssl_f_der',
    'ssl_f_serial',
    'ssl_f_sha1',
    'ssl_s_der',
    'ssl_s_chain_der',
    'ssl_s_serial',
    'ssl_s_sha1',
    'ssl_fc_unique_id',
    'ssl_fc_session_id',
    'ssl_fc_client_random',
    'ssl_fc_server_random',
    'ssl_fc_session_key',
    'ssl_fc_cipherlist_hex',
  ].map((n) => [n, 'bin', TLS] as const),
  ['ssl_bc', 'bool', TLS_BACK],
  ['ssl_bc_is_resumed', 'bool', TLS_BACK],
  ...['ssl_bc_alg_keysize', 'ssl_bc_use_keysize', 'ssl_bc_err'].map((n) => [n, 'int', TLS_BACK] as const),
  ...['ssl_bc_alpn', 'ssl_bc_cipher', 'ssl_bc_npn', 'ssl_bc_protocol', 'ssl_bc_err_str'].map((n) => [n, 'str', TLS_BACK] as const),
  ...['ssl_bc_unique_id', 'ssl_bc_session_id', 'ssl_bc_client_random', 'ssl_bc_server_random', 'ssl_bc_session_key'].map((n) => [n, 'bin', TLS_BACK] as const),
]

export const UNSUPPORTED_FETCHES: readonly FetchDef[] = LIST.map(([name, output, why]) => ({
  name,
  args: [],
  output,
  phases: BOTH,
  unsupported: why,
  doc: why,
  build: () => () => undefined,
}))

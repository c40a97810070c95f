/**
 * @module
 * ACL keywords that are a fetch plus an implied match method (http_acl.c, ssl_sample.c and
 * payload.c acl_kws in HAProxy 2.6): `path_beg` is `path` with `-m beg`, `hdr_dom(host)` is
 * `req.hdr(host)` with `-m dom`. Keywords whose name is also a fetch (`hdr`, `path`, `cook`,
 * `method`...) are not listed: the fetch of the same name gives the same result with its default
 * match, and `-m` stays usable with it.
 */
import type { AclAlias } from './types.ts'

const SUFFIX_MATCH: readonly (readonly [string, string])[] = [
  ['beg', 'beg'],
  ['dir', 'dir'],
  ['dom', 'dom'],
  ['end', 'end'],
  ['len', 'len'],
  ['reg', 'reg'],
  ['sub', 'sub'],
]

function family(prefix: string, fetch: string): AclAlias[] {
  return SUFFIX_MATCH.map(([suffix, match]) => ({ name: `${prefix}_${suffix}`, fetch, match }))
}

export const ACL_ALIASES: readonly AclAlias[] = [
  ...family('base', 'base'),
  ...family('cook', 'req.cook'),
  ...family('hdr', 'req.hdr'),
  ...family('path', 'path'),
  ...family('scook', 'res.cook'),
  ...family('shdr', 'res.hdr'),
  ...family('url', 'url'),
  ...family('urlp', 'urlp'),
  { name: 'ssl_fc_sni_end', fetch: 'ssl_fc_sni', match: 'end' },
  { name: 'ssl_fc_sni_reg', fetch: 'ssl_fc_sni', match: 'reg' },
  { name: 'req_rdp_cookie', fetch: 'req.rdp_cookie', match: 'str' },
  { name: 'req_rdp_cookie_cnt', fetch: 'req.rdp_cookie_cnt', match: 'int' },
]

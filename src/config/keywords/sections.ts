/**
 * @module
 * Keywords of the auxiliary sections: `userlist` (users and groups, used by http_auth and
 * `http-request auth`), `peers` (accepted; tables are global at the edge), `resolvers` (accepted;
 * Cloudflare resolves origins).
 */
import type { Word } from '../lexer.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'

function currentUserlist(cx: KeywordContext) {
  const names = [...cx.global.userlists.keys()]
  const name = names[names.length - 1]
  return name === undefined ? undefined : cx.global.userlists.get(name)
}

function parseUser(st: Statement, cx: KeywordContext): void {
  const ul = currentUserlist(cx)
  const nameW = st.args[0]
  if (!ul || !nameW) {
    cx.sv.diag.error('missing-argument', st.span, "'user' expects <username> as argument")
    return
  }
  if (ul.users.some((u) => u.name === nameW.text)) {
    cx.sv.diag.error('duplicate-name', nameW.span, `userlist '${ul.name}': user '${nameW.text}' is already defined`)
    return
  }
  let password = ''
  let insecure = false
  let groups: string[] = []
  for (let i = 1; i < st.args.length; i++) {
    const w = st.args[i] as Word
    const v = st.args[i + 1]
    if ((w.text === 'password' || w.text === 'insecure-password' || w.text === 'groups') && v) {
      if (w.text === 'groups') groups = v.text.split(',')
      else {
        password = v.text
        insecure = w.text === 'insecure-password'
        if (!insecure && !/^\$(1|5|6|2[aby]?)\$/.test(v.text)) {
          cx.sv.diag.warning('not-supported', v.span, `user '${nameW.text}': only MD5 ($1$), SHA-256 ($5$) and SHA-512 ($6$) crypt hashes can be checked at the edge`)
        }
      }
      i++
    } else {
      cx.sv.diag.error('invalid-argument', w.span, `'user' : unexpected argument '${w.text}' (expects 'password', 'insecure-password' or 'groups')`)
      return
    }
  }
  ul.users.push({ name: nameW.text, password, insecure, groups })
}

function parseGroup(st: Statement, cx: KeywordContext): void {
  const ul = currentUserlist(cx)
  const nameW = st.args[0]
  if (!ul || !nameW) {
    cx.sv.diag.error('missing-argument', st.span, "'group' expects <groupname> as argument")
    return
  }
  const users = st.args[1]?.text === 'users' && st.args[2] ? (st.args[2] as Word).text.split(',') : []
  ul.groups.push({ name: nameW.text, users })
}

const NO_EDGE_DNS = 'origins are resolved by Cloudflare DNS'

export const SECTION_KEYWORDS: readonly KeywordDef[] = [
  { name: 'user', sections: ['userlist'], support: 'yes', parse: parseUser },
  { name: 'group', sections: ['userlist'], support: 'yes', parse: parseGroup },
  { name: 'nameserver', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'parse-resolv-conf', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'hold', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'resolve_retries', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'timeout', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'accepted_payload_size', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
]

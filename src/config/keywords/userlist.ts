/**
 * @module
 * `userlist` sections (cfgparse.c cfg_parse_users, auth.c userlist_postinit): `user <name>
 * [password <crypt-hash> | insecure-password <pw>] [groups <g1,g2>]` and `group <name> [users
 * <u1,u2>]`. Hashes the edge can check are MD5 (`$1$`), SHA-256 (`$5$`) and SHA-512 (`$6$`)
 * crypt(3) (src/util/crypt.ts); others are refused. After parsing, each user's groups are the
 * union of both declarations, and `http_auth(<userlist>)`/`http_auth_group` references are checked.
 */
import type { Acl, Backend, Frontend } from '../../routemap/schema.ts'
import { supportedHash } from '../../util/crypt.ts'
import type { Services } from '../services.ts'
import type { GlobalDraft } from './global-draft.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'

const NAME_CHAR = /[^A-Za-z0-9._:-]/

function currentUserlist(cx: KeywordContext) {
  return cx.global.currentUserlist === undefined ? undefined : cx.global.userlists.get(cx.global.currentUserlist)
}

function parseUser(st: Statement, cx: KeywordContext): void {
  const ul = currentUserlist(cx)
  const nameW = st.args[0]
  if (!nameW) {
    cx.sv.diag.error('missing-argument', st.span, "'user' expects <name> as arguments.")
    return
  }
  if (!ul) return
  if (ul.users.some((u) => u.name === nameW.text)) {
    cx.sv.diag.warning('duplicate-name', nameW.span, `ignoring duplicated user '${nameW.text}' in userlist '${ul.name}'.`)
    return
  }
  let password = ''
  let insecure = false
  let groups: string[] = []
  for (let i = 1; i < st.args.length; i += 2) {
    const w = st.args[i]
    const v = st.args[i + 1]
    if (!w) break
    if (w.text === 'password' || w.text === 'insecure-password') {
      password = v?.text ?? ''
      insecure = w.text === 'insecure-password'
      if (!insecure && !supportedHash(password)) {
        cx.sv.diag.error(
          'not-supported',
          (v ?? w).span,
          `user '${nameW.text}': this password hash cannot be checked at the edge: only crypt(3) MD5 ('$1$...'), SHA-256 ('$5$...') and SHA-512 ('$6$...') hashes are supported`,
          {
            help: "re-hash the password with 'openssl passwd -6' (SHA-512) or 'mkpasswd -m sha-512'; DES, bcrypt and yescrypt hashes are not supported",
          },
        )
        return
      }
    } else if (w.text === 'groups') {
      groups = (v?.text ?? '').split(',').filter((g) => g !== '')
    } else {
      cx.sv.diag.error('invalid-argument', w.span, "'user' only supports 'password', 'insecure-password' and 'groups' options.")
      return
    }
  }
  ul.users.push({ name: nameW.text, password, insecure, groups })
}

function parseGroup(st: Statement, cx: KeywordContext): void {
  const ul = currentUserlist(cx)
  const nameW = st.args[0]
  if (!nameW) {
    cx.sv.diag.error('missing-argument', st.span, "'group' expects <name> as arguments.")
    return
  }
  const bad = NAME_CHAR.exec(nameW.text)
  if (bad) {
    cx.sv.diag.error('invalid-argument', nameW.span, `character '${bad[0]}' is not permitted in 'group' name '${nameW.text}'.`)
    return
  }
  if (!ul) return
  if (ul.groups.some((g) => g.name === nameW.text)) {
    cx.sv.diag.warning('duplicate-name', nameW.span, `ignoring duplicated group '${nameW.text}' in userlist '${ul.name}'.`)
    return
  }
  let users: string[] = []
  for (let i = 1; i < st.args.length; i += 2) {
    const w = st.args[i]
    if (!w) break
    if (w.text !== 'users') {
      cx.sv.diag.error('invalid-argument', w.span, "'group' only supports 'users' option.")
      return
    }
    users = (st.args[i + 1]?.text ?? '').split(',').filter((u) => u !== '')
  }
  ul.groups.push({ name: nameW.text, users })
}

/**
 * userlist_postinit: every group a user names must exist, every user a group names too; then
 * each user's `groups` becomes the union of both declarations (in group declaration order).
 */
export function resolveUserlists(global: GlobalDraft, sv: Services): void {
  for (const ul of global.userlists.values()) {
    const known = new Set(ul.groups.map((g) => g.name))
    for (const u of ul.users) {
      for (const g of u.groups) if (!known.has(g)) sv.diag.error('invalid-argument', ul.span, `userlist '${ul.name}': no such group '${g}' specified in user '${u.name}'`)
    }
    for (const g of ul.groups) {
      for (const name of g.users) if (!ul.users.some((u) => u.name === name)) sv.diag.error('invalid-argument', ul.span, `userlist '${ul.name}': no such user '${name}' specified in group '${g.name}'`)
    }
    ul.users = ul.users.map((u) => ({
      ...u,
      groups: ul.groups.filter((g) => u.groups.includes(g.name) || g.users.includes(u.name)).map((g) => g.name),
    }))
  }
}

const AUTH_FETCHES = new Set(['http_auth', 'http_auth_group'])

/** smp_resolve_args for ARGT_USR and acl.c's http_auth_group group check, on the frozen proxies. */
export function checkAuthRefs(proxies: readonly (Frontend | Backend)[], global: GlobalDraft, sv: Services): void {
  const visit = (node: unknown, p: Frontend | Backend, origin: { file: string; line: number }): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, p, origin)
      return
    }
    if (node === null || typeof node !== 'object') return
    const o = node as Record<string, unknown>
    const here = typeof o.origin === 'object' && o.origin !== null ? (o.origin as { file: string; line: number }) : origin
    if (typeof o.fetch === 'string' && AUTH_FETCHES.has(o.fetch) && Array.isArray(o.args)) {
      const name = String(o.args[0] ?? '')
      if (!global.userlists.has(name)) {
        sv.diag.error(
          'unknown-section',
          { file: here.file, line: here.line, column: 1, length: 1 },
          `unable to find userlist '${name}' referenced in arg 1 of sample fetch keyword '${o.fetch}' in proxy '${p.name}'.`,
          {
            help: `declare 'userlist ${name}' with its users`,
          },
        )
      }
    }
    for (const [k, v] of Object.entries(o)) if (k !== 'origin') visit(v, p, here)
  }
  for (const p of proxies) {
    visit(p, p, p.origin)
    checkGroups(p.acls, p, global, sv)
  }
}

function checkGroups(acls: readonly Acl[], p: Frontend | Backend, global: GlobalDraft, sv: Services): void {
  for (const acl of acls) {
    for (const t of acl.tests) {
      if (t.sample.fetch !== 'http_auth_group' || t.sample.conv.length > 0) continue
      const ul = global.userlists.get(String(t.sample.args[0] ?? ''))
      if (!ul) continue
      const span = { file: t.origin.file, line: t.origin.line, column: 1, length: 1 }
      const groups = authGroupPatterns(t.data)
      if (t.patternCount === 0) sv.diag.error('missing-argument', span, `proxy ${p.name}: acl ${acl.name} http_auth_group(): no groups specified.`)
      for (const g of groups ?? []) {
        if (!ul.groups.some((x) => x.name === g)) sv.diag.error('invalid-argument', span, `proxy ${p.name}: acl ${acl.name} http_auth_group(): invalid group '${g}'.`)
      }
    }
  }
}

/** The patterns of a `str` match's prepared data, when they can be read back. */
function authGroupPatterns(data: unknown): string[] | undefined {
  if (Array.isArray(data) && data.every((d) => typeof d === 'string')) return data as string[]
  if (data && typeof data === 'object') {
    for (const v of Object.values(data as Record<string, unknown>)) {
      if (Array.isArray(v) && v.every((d) => typeof d === 'string')) return v as string[]
    }
  }
  return undefined
}

export const USERLIST_KEYWORDS: readonly KeywordDef[] = [
  { name: 'user', sections: ['userlist'], support: 'yes', parse: parseUser },
  { name: 'group', sections: ['userlist'], support: 'yes', parse: parseGroup },
]

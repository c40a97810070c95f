/**
 * @module
 * `http_auth(<userlist>)` and `http_auth_group(<userlist>)` (http_fetch.c, auth.c check_user):
 * Basic credentials of the request checked against a userlist. Passwords are compared as bytes;
 * crypt(3) hashes ($1$, $5$, $6$) are computed synchronously (src/util/crypt.ts) and the outcome is
 * cached per isolate, so a client sending the same credentials costs one hash per isolate.
 *
 * `http_auth_group` returns the user name; in an ACL (`http_auth_group(L) G1 G2`, which HAProxy
 * matches with pat_match_auth against the user's groups) it yields the user's groups, which the
 * default `str` match compares with the patterns.
 */
import type { Userlist } from '../../routemap/schema.ts'
import { constantTimeEqualText } from '../../util/constant-time.ts'
import { verifyCrypt } from '../../util/crypt.ts'
import type { FetchDef, Sample, SampleContext } from '../types.ts'
import { httpAuth } from './http.ts'
import { bool, REQ, str, textOf } from './util.ts'

type User = Userlist['users'][number]

const ENC = new TextEncoder()

/** Bytes of a latin-1 string (one char per byte, as the decoded Authorization header is kept). */
function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff
  return out
}

/** Outcome of hashing (hash, password) pairs already seen by this isolate; bounded. */
const VERIFIED = new Map<string, boolean>()
const MAX_VERIFIED = 4096

function passwordMatches(u: User, pass: string): boolean {
  if (u.insecure) return constantTimeEqualText(pass, textOf(ENC.encode(u.password)))
  const key = `${u.password}\0${pass}`
  const known = VERIFIED.get(key)
  if (known !== undefined) return known
  const ok = verifyCrypt(latin1Bytes(pass), u.password)
  if (VERIFIED.size >= MAX_VERIFIED) VERIFIED.clear()
  VERIFIED.set(key, ok)
  return ok
}

/** The userlist's users by name as the header decodes them (latin-1 of the UTF-8 bytes). */
function usersByName(ul: Userlist | undefined): ReadonlyMap<string, User> {
  return new Map((ul?.users ?? []).map((u) => [textOf(ENC.encode(u.name)), u]))
}

/** check_user: the request's Basic credentials name a user of the list with the right password. */
function authenticated(ctx: SampleContext, users: ReadonlyMap<string, User>): User | undefined {
  const a = httpAuth(ctx)
  if (a?.method !== 'Basic' || a.user === undefined || a.pass === undefined) return undefined
  const u = users.get(a.user)
  return u && passwordMatches(u, a.pass) ? u : undefined
}

export const AUTH_FETCHES: readonly FetchDef[] = [
  {
    name: 'http_auth',
    args: [{ kind: 'str' }],
    output: 'bool',
    phases: REQ,
    doc: 'true when the Basic credentials of the request are valid for a user of <userlist>',
    build: (args, env) => {
      const users = usersByName(env.userlist?.(String(args[0] ?? '')))
      return (ctx) => bool(authenticated(ctx, users) !== undefined)
    },
  },
  {
    name: 'http_auth_group',
    args: [{ kind: 'str' }],
    output: 'str',
    phases: REQ,
    multi: true,
    doc: 'user name of valid Basic credentials for <userlist>; ACLs match its groups',
    build: (args, env) => {
      const users = usersByName(env.userlist?.(String(args[0] ?? '')))
      return (ctx, all) => {
        const u = authenticated(ctx, users)
        if (!u) return undefined
        if (!all) return str(textOf(ENC.encode(u.name)))
        const groups: Sample[] = u.groups.map((g) => str(g))
        return groups.length > 0 ? groups : undefined
      }
    },
  },
]

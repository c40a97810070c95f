/**
 * @module
 * crypt(3) password hashes as HAProxy's userlists use them (`user <name> password <hash>`):
 * MD5-crypt (`$1$`), SHA-256-crypt (`$5$`) and SHA-512-crypt (`$6$`, with `rounds=`), after
 * Ulrich Drepper's specification and the FreeBSD MD5-crypt. Synchronous and dependency-free so
 * that the Worker can check credentials inside a sample fetch. Other schemes (DES, bcrypt,
 * yescrypt) are refused by the compiler (supportedHash).
 */
import { constantTimeEqualText } from './constant-time.ts'
import { type Hasher, Md5, Sha256, Sha512 } from './hashes.ts'

const B64 = './0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'

/** crypt's base-64: `n` characters of the 24-bit group, least significant first. */
function b64(b2: number, b1: number, b0: number, n: number): string {
  let w = (b2 << 16) | (b1 << 8) | b0
  let out = ''
  for (let i = 0; i < n; i++) {
    out += B64[w & 0x3f]
    w >>>= 6
  }
  return out
}

const ENC = new TextEncoder()

/** `$1$`, `$5$` or `$6$`: the schemes the edge can check. */
export function supportedHash(hash: string): boolean {
  return /^\$(1|5|6)\$/.test(hash)
}

/**
 * crypt(password, setting) for the supported schemes; undefined for any other setting (as crypt(3)
 * failing: the credentials never match).
 */
export function crypt(password: Uint8Array, setting: string): string | undefined {
  if (setting.startsWith('$1$')) return md5Crypt(password, setting)
  if (setting.startsWith('$5$')) return shaCrypt(password, setting, 5)
  if (setting.startsWith('$6$')) return shaCrypt(password, setting, 6)
  return undefined
}

/** True when `password` hashes to `hash` (HAProxy's check_user: strcmp(crypt(pass, hash), hash)). */
export function verifyCrypt(password: Uint8Array, hash: string): boolean {
  const out = crypt(password, hash)
  return out !== undefined && constantTimeEqualText(out, hash)
}

function md5Crypt(pw: Uint8Array, setting: string): string {
  const rest = setting.slice(3)
  const end = rest.indexOf('$')
  const saltText = (end < 0 ? rest : rest.slice(0, end)).slice(0, 8)
  const salt = ENC.encode(saltText)
  const H = new Md5()
  const alt = H.update(pw).update(salt).update(pw).digest()
  H.update(pw).update(ENC.encode('$1$')).update(salt)
  for (let pl = pw.length; pl > 0; pl -= 16) H.update(alt.subarray(0, Math.min(pl, 16)))
  const zero = new Uint8Array(1)
  for (let i = pw.length; i; i >>= 1) H.update(i & 1 ? zero : pw.subarray(0, 1))
  let fin = H.digest()
  for (let i = 0; i < 1000; i++) {
    H.update(i & 1 ? pw : fin)
    if (i % 3) H.update(salt)
    if (i % 7) H.update(pw)
    H.update(i & 1 ? fin : pw)
    fin = H.digest()
  }
  const f = (k: number): number => fin[k] as number
  const enc = b64(f(0), f(6), f(12), 4) + b64(f(1), f(7), f(13), 4) + b64(f(2), f(8), f(14), 4) + b64(f(3), f(9), f(15), 4) + b64(f(4), f(10), f(5), 4) + b64(0, 0, f(11), 2)
  return `$1$${saltText}$${enc}`
}

const SHA256_ORDER = [
  [0, 10, 20],
  [21, 1, 11],
  [12, 22, 2],
  [3, 13, 23],
  [24, 4, 14],
  [15, 25, 5],
  [6, 16, 26],
  [27, 7, 17],
  [18, 28, 8],
  [9, 19, 29],
]
const SHA512_ORDER = [
  [0, 21, 42],
  [22, 43, 1],
  [44, 2, 23],
  [3, 24, 45],
  [25, 46, 4],
  [47, 5, 26],
  [6, 27, 48],
  [28, 49, 7],
  [50, 8, 29],
  [9, 30, 51],
  [31, 52, 10],
  [53, 11, 32],
  [12, 33, 54],
  [34, 55, 13],
  [56, 14, 35],
  [15, 36, 57],
  [37, 58, 16],
  [59, 17, 38],
  [18, 39, 60],
  [40, 61, 19],
  [62, 20, 41],
]

/** Repeats `block` to `len` bytes. */
function stretch(block: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len)
  for (let o = 0; o < len; o += block.length) out.set(block.subarray(0, Math.min(block.length, len - o)), o)
  return out
}

function shaCrypt(pw: Uint8Array, setting: string, id: 5 | 6): string {
  const H: Hasher = id === 5 ? new Sha256() : new Sha512()
  const hlen = id === 5 ? 32 : 64
  let rest = setting.slice(3)
  let rounds = 5000
  let custom = false
  const rm = /^rounds=(\d+)\$/.exec(rest)
  if (rm) {
    rounds = Math.min(999_999_999, Math.max(1000, Number(rm[1])))
    custom = true
    rest = rest.slice(rm[0].length)
  }
  const end = rest.indexOf('$')
  const saltText = (end < 0 ? rest : rest.slice(0, end)).slice(0, 16)
  const salt = ENC.encode(saltText)
  const b = H.update(pw).update(salt).update(pw).digest()
  H.update(pw).update(salt)
  let cnt = pw.length
  for (; cnt > hlen; cnt -= hlen) H.update(b)
  H.update(b.subarray(0, cnt))
  for (let i = pw.length; i > 0; i >>= 1) H.update(i & 1 ? b : pw)
  const a = H.digest()
  for (let i = 0; i < pw.length; i++) H.update(pw)
  const p = stretch(H.digest(), pw.length)
  for (let i = 0; i < 16 + (a[0] as number); i++) H.update(salt)
  const s = H.digest().subarray(0, salt.length)
  let c = a
  for (let i = 0; i < rounds; i++) {
    H.update(i & 1 ? p : c)
    if (i % 3) H.update(s)
    if (i % 7) H.update(p)
    H.update(i & 1 ? c : p)
    c = H.digest()
  }
  let enc = ''
  for (const [x, y, z] of id === 5 ? SHA256_ORDER : SHA512_ORDER) enc += b64(c[x as number] as number, c[y as number] as number, c[z as number] as number, 4)
  enc += id === 5 ? b64(0, c[31] as number, c[30] as number, 3) : b64(0, 0, c[63] as number, 2)
  return `$${id}$${custom ? `rounds=${rounds}$` : ''}${saltText}$${enc}`
}

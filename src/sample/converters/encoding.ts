/**
 * @module
 * Encoding converters (sample.c, http_conv.c): base64, b64dec, ub64enc, ub64dec, hex, hex2i,
 * url_dec, url_enc, bytes, be2dec, be2hex, htonl.
 */
import { argInt, argRaw, argStr, bin, hexOf, int, sampleBytes, sampleInt, sampleStr, str } from '../fetches/util.ts'
import type { ConverterDef } from '../types.ts'
import { base64Decode, base64Encode, base64UrlDecode, urlDecode, urlEncodeQuery } from './codec.ts'

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 65 && c <= 70) return c - 55
  if (c >= 97 && c <= 102) return c - 87
  return -1
}

/** be2dec: one unsigned big-endian integer per <size> bytes, joined by <sep>. */
function be2dec(b: Uint8Array, sep: string, size: number, truncate: boolean): string {
  const last = truncate ? b.length - size + 1 : b.length
  let out = ''
  let ptr = 0
  while (ptr < last) {
    if (ptr) out += sep
    let n = 0n
    for (let i = 0; i < size && ptr < b.length; i++) n = (n << 8n) + BigInt(b[ptr++] as number)
    out += n.toString()
  }
  return out
}

/** be2hex: upper-case hex, <sep> every <size> bytes. */
function be2hex(b: Uint8Array, sep: string, sizeArg: number, truncate: boolean): string {
  const size = sep === '' && !truncate ? b.length : sizeArg
  const last = truncate ? b.length - sizeArg + 1 : b.length
  let out = ''
  let ptr = 0
  while (ptr < last) {
    if (ptr) out += sep
    const end = Math.min(b.length, ptr + Math.max(size, 0))
    out += hexOf(b.subarray(ptr, end), true)
    if (end === ptr) break
    ptr = end
  }
  return out
}

export const ENCODING_CONVERTERS: readonly ConverterDef[] = [
  {
    name: 'base64',
    args: [],
    input: ['bin'],
    output: 'str',
    doc: 'base64 encoding of the input bytes',
    build: () => (input) => {
      const b = sampleBytes(input)
      return b ? str(base64Encode(b)) : undefined
    },
  },
  {
    name: 'ub64enc',
    args: [],
    input: ['bin'],
    output: 'str',
    doc: 'base64url encoding without padding',
    build: () => (input) => {
      const b = sampleBytes(input)
      return b ? str(base64Encode(b, true)) : undefined
    },
  },
  {
    name: 'b64dec',
    args: [],
    input: ['str'],
    output: 'bin',
    doc: 'decodes base64 (fails on invalid input)',
    build: () => (input) => {
      const s = sampleStr(input)
      const b = s === undefined ? undefined : base64Decode(s)
      return b ? bin(b) : undefined
    },
  },
  {
    name: 'ub64dec',
    args: [],
    input: ['str'],
    output: 'bin',
    doc: 'decodes unpadded base64url',
    build: () => (input) => {
      const s = sampleStr(input)
      const b = s === undefined ? undefined : base64UrlDecode(s)
      return b ? bin(b) : undefined
    },
  },
  {
    name: 'hex',
    args: [],
    input: ['bin'],
    output: 'str',
    doc: 'upper-case hexadecimal dump of the input bytes',
    build: () => (input) => {
      const b = sampleBytes(input)
      return b ? str(hexOf(b, true)) : undefined
    },
  },
  {
    name: 'hex2i',
    args: [],
    input: ['str'],
    output: 'int',
    doc: 'hexadecimal text to a signed 64-bit integer',
    build: () => (input) => {
      const s = sampleStr(input)
      if (s === undefined) return undefined
      let n = 0n
      for (let i = 0; i < s.length; i++) {
        const d = hexDigit(s.charCodeAt(i))
        if (d < 0) return undefined
        n = BigInt.asIntN(64, (n << 4n) + BigInt(d))
      }
      return int(Number(n))
    },
  },
  {
    name: 'url_dec',
    args: [{ kind: 'int', optional: true }],
    input: ['str'],
    output: 'str',
    doc: 'URL-decodes the input; "+" becomes a space in the query part (everywhere when <in_form> is 1)',
    build: (args) => {
      const inForm = (argInt(args, 0) ?? 0) !== 0
      return (input) => {
        const s = sampleStr(input)
        const r = s === undefined ? undefined : urlDecode(s, inForm)
        return r === undefined ? undefined : str(r)
      }
    },
  },
  {
    name: 'url_enc',
    args: [{ kind: 'str', optional: true }],
    input: ['str'],
    output: 'str',
    doc: 'URL-encodes the input for a query string (RFC 3986 unreserved characters kept)',
    build: (args) => {
      const t = argStr(args, 0)
      if (t !== undefined && t !== 'query') return () => undefined
      return (input) => {
        const s = sampleStr(input)
        return s === undefined ? undefined : str(urlEncodeQuery(s))
      }
    },
  },
  {
    name: 'bytes',
    args: [{ kind: 'int' }, { kind: 'int', optional: true }],
    input: ['bin'],
    output: 'bin',
    doc: 'extracts <length> bytes (default: the rest) from <offset>',
    build: (args) => {
      const off = Math.max(0, argInt(args, 0) ?? 0)
      const len = argInt(args, 1)
      return (input) => {
        const b = sampleBytes(input)
        if (!b) return undefined
        if (b.length <= off) return bin(new Uint8Array(0))
        const rest = b.subarray(off)
        return bin(len !== undefined && len >= 0 && len < rest.length ? rest.subarray(0, len) : rest)
      }
    },
  },
  {
    name: 'be2dec',
    args: [{ kind: 'str' }, { kind: 'int' }, { kind: 'int', optional: true }],
    input: ['bin'],
    output: 'str',
    doc: 'big-endian integers of <chunk_size> bytes (1 to 8) in decimal, separated by <separator>',
    build: (args) => {
      const sep = argRaw(args, 0) ?? ''
      const size = argInt(args, 1) ?? 0
      const trunc = argInt(args, 2) ?? 0
      if (size <= 0 || size > 8 || (trunc !== 0 && trunc !== 1)) return () => undefined
      return (input) => {
        const b = sampleBytes(input)
        return b ? str(be2dec(b, sep, size, trunc === 1)) : undefined
      }
    },
  },
  {
    name: 'be2hex',
    args: [
      { kind: 'str', optional: true },
      { kind: 'int', optional: true },
      { kind: 'int', optional: true },
    ],
    input: ['bin'],
    output: 'str',
    doc: 'upper-case hex with <separator> every <chunk_size> bytes',
    build: (args) => {
      const sep = argRaw(args, 0) ?? ''
      const size = argInt(args, 1) ?? 0
      const trunc = argInt(args, 2) ?? 0
      if ((size <= 0 && (sep !== '' || trunc !== 0)) || (trunc !== 0 && trunc !== 1)) return () => undefined
      return (input) => {
        const b = sampleBytes(input)
        return b ? str(be2hex(b, sep, size, trunc === 1)) : undefined
      }
    },
  },
  {
    name: 'htonl',
    args: [],
    input: ['int'],
    output: 'bin',
    doc: 'the low 32 bits of the integer as 4 big-endian bytes',
    build: () => (input) => {
      const n = sampleInt(input)
      if (n === undefined) return undefined
      const out = new Uint8Array(4)
      new DataView(out.buffer).setUint32(0, Number(BigInt.asUintN(32, BigInt(Math.trunc(n)))))
      return bin(out)
    },
  },
]

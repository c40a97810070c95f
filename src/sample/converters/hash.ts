/**
 * @module
 * Hash and digest converters (sample.c, ssl_sample.c): crc32, crc32c, djb2, sdbm, wt6 (with the
 * optional full_hash avalanche), xxh32, xxh64, xxh3, sha1, sha2, digest, hmac, secure_memcmp.
 */
import { crc32, djb2, fullHash, sdbm, wt6 } from '../../balance/hash.ts'
import { constantTimeEqual } from '../../util/constant-time.ts'
import { castTo } from '../cast.ts'
import { argInt, argRaw, bin, bool, int, sampleBytes } from '../fetches/util.ts'
import type { ConverterDef, SampleContext } from '../types.ts'
import { VAR_REF } from './arith.ts'
import { base64Decode } from './codec.ts'
import { crc32c, findDigest, hmac, sha1, xxh32, xxh64 } from './digest.ts'
import { xxh3 } from './xxh3.ts'

function hash32(name: string, fn: (b: Uint8Array) => number, doc: string): ConverterDef {
  return {
    name,
    args: [{ kind: 'int', optional: true }],
    input: ['bin'],
    output: 'int',
    doc: `${doc}; a non-zero argument applies the full_hash avalanche`,
    build: (args) => {
      const avalanche = (argInt(args, 0) ?? 0) !== 0
      return (input) => {
        const b = sampleBytes(input)
        if (!b) return undefined
        const h = fn(b)
        return int(avalanche ? fullHash(h) : h)
      }
    },
  }
}

/** A variable's value as bytes (cast to binary), or undefined. */
function varBytes(ctx: SampleContext, name: string): Uint8Array | undefined {
  const v = ctx.vars.get(name)
  if (!v) return undefined
  const b = castTo(v, 'bin')
  return b?.type === 'bin' ? b.value : undefined
}

export const HASH_CONVERTERS: readonly ConverterDef[] = [
  hash32('crc32', crc32, 'CRC-32 of the input bytes'),
  hash32('crc32c', crc32c, 'CRC-32C (Castagnoli) of the input bytes'),
  hash32('djb2', djb2, 'DJB2 hash of the input bytes'),
  hash32('sdbm', sdbm, 'SDBM hash of the input bytes'),
  hash32('wt6', wt6, 'WT6 hash of the input bytes'),
  {
    name: 'xxh32',
    args: [{ kind: 'int', optional: true }],
    input: ['bin'],
    output: 'int',
    doc: 'xxHash32 of the input bytes with an optional seed',
    build: (args) => {
      const seed = (argInt(args, 0) ?? 0) >>> 0
      return (input) => {
        const b = sampleBytes(input)
        return b ? int(xxh32(b, seed)) : undefined
      }
    },
  },
  {
    name: 'xxh64',
    args: [{ kind: 'int', optional: true }],
    input: ['bin'],
    output: 'int',
    doc: 'xxHash64 of the input bytes with an optional seed (as a signed integer)',
    build: (args) => {
      const seed = BigInt(argInt(args, 0) ?? 0)
      return (input) => {
        const b = sampleBytes(input)
        return b ? int(Number(BigInt.asIntN(64, xxh64(b, seed)))) : undefined
      }
    },
  },
  {
    name: 'xxh3',
    args: [{ kind: 'int', optional: true }],
    input: ['bin'],
    output: 'int',
    doc: 'XXH3 64-bit hash of the input bytes with an optional seed (as a signed integer)',
    build: (args) => {
      const seed = BigInt(argInt(args, 0) ?? 0)
      return (input) => {
        const b = sampleBytes(input)
        return b ? int(Number(BigInt.asIntN(64, xxh3(b, seed)))) : undefined
      }
    },
  },
  {
    name: 'sha1',
    args: [],
    input: ['bin'],
    output: 'bin',
    doc: 'SHA-1 digest (20 bytes)',
    build: () => (input) => {
      const b = sampleBytes(input)
      return b ? bin(sha1(b)) : undefined
    },
  },
  {
    name: 'sha2',
    args: [{ kind: 'int', optional: true }],
    input: ['bin'],
    output: 'bin',
    doc: 'SHA-2 digest of <bits> 224, 256 (default), 384 or 512',
    build: (args) => {
      const bits = argInt(args, 0) ?? 256
      const d = [224, 256, 384, 512].includes(bits) ? findDigest(`sha${bits}`) : undefined
      if (!d) return () => undefined
      return (input) => {
        const b = sampleBytes(input)
        return b ? bin(d.fn(b)) : undefined
      }
    },
  },
  {
    name: 'digest',
    args: [{ kind: 'str' }],
    input: ['bin'],
    output: 'bin',
    doc: 'message digest <algorithm>: sha1, sha224, sha256, sha384 or sha512 at the edge',
    build: (args) => {
      const d = findDigest(argRaw(args, 0) ?? '')
      if (!d) return () => undefined
      return (input) => {
        const b = sampleBytes(input)
        return b ? bin(d.fn(b)) : undefined
      }
    },
  },
  {
    name: 'hmac',
    args: [{ kind: 'str' }, { kind: 'str' }],
    input: ['bin'],
    output: 'bin',
    doc: 'HMAC with <algorithm> and a base64 <key> (text or variable name)',
    build: (args) => {
      const d = findDigest(argRaw(args, 0) ?? '')
      const keyArg = argRaw(args, 1) ?? ''
      if (!d) return () => undefined
      if (VAR_REF.test(keyArg)) {
        return (input, ctx) => {
          const b = sampleBytes(input)
          const v = ctx.vars.get(keyArg)
          const t = v ? castTo(v, 'str') : undefined
          const key = t?.type === 'str' ? base64Decode(t.value) : undefined
          return b && key ? bin(hmac(d, key, b)) : undefined
        }
      }
      const key = base64Decode(keyArg)
      if (!key) return () => undefined
      return (input) => {
        const b = sampleBytes(input)
        return b ? bin(hmac(d, key, b)) : undefined
      }
    },
  },
  {
    name: 'secure_memcmp',
    args: [{ kind: 'var' }],
    input: ['bin'],
    output: 'bool',
    doc: 'true when the input bytes equal the variable <var> (constant time for equal lengths)',
    build: (args) => {
      const name = String(args[0] ?? '')
      return (input, ctx) => {
        const a = sampleBytes(input)
        const b = varBytes(ctx, name)
        if (!a || !b) return undefined
        return bool(constantTimeEqual(a, b))
      }
    },
  },
]

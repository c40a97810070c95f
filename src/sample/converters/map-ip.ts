/**
 * @module
 * The lookup table of `map_ip*` converters (pattern.c pat_match_ip with map data): entries with a
 * contiguous mask live in per-prefix-length hash maps probed from the longest prefix down, so
 * the most specific network wins (the first line among identical networks); IPv4 entries with a
 * non-contiguous dotted mask are tried afterwards in file order. Cross-family rules follow
 * pat_match_ip: an IPv4 address is also looked up as ::ffff:a.b.c.d in the IPv6 entries, and an
 * IPv6 address of the form ::ffff:v4, ::v4 or 2002:v4:: also in the IPv4 entries.
 */
import { buf2ip, inetPton6, parseIpPattern } from '../match/ip-parse.ts'

interface Level<V> {
  readonly bits: number
  readonly map: Map<string | number, V>
}

/**
 * An IPv4 prefix length's networks as sorted keys and their values, searched by bisection: 4
 * bytes and a pointer per entry, where a Map keyed by numbers costs ~50 (100,000 entries: 1.2 MB).
 */
interface Level4<V> {
  readonly bits: number
  readonly mask: number
  readonly keys: Uint32Array
  readonly values: readonly V[]
}

function level4<V>(bits: number, m: ReadonlyMap<number, V>): Level4<V> {
  const keys = Float64Array.from(m.keys()).sort()
  const values: V[] = []
  for (const k of keys) values.push(m.get(k) as V)
  return { bits, mask: mask32(bits), keys: Uint32Array.from(keys), values }
}

function find4In<V>(l: Level4<V>, a: number): V | undefined {
  const x = (a & l.mask) >>> 0
  const keys = l.keys
  let lo = 0
  let hi = keys.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const k = keys[mid] as number
    if (k === x) return l.values[mid]
    if (k < x) lo = mid + 1
    else hi = mid - 1
  }
  return undefined
}

export interface IpMap<V> {
  /** The value of the most specific entry containing `ip` (address text), or undefined. */
  get(ip: string): V | undefined
}

function mask32(bits: number): number {
  return bits <= 0 ? 0 : bits >= 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0
}

function key6(w: readonly number[], bits: number): string {
  let k = ''
  for (let i = 0; i < 4; i++) k += `${((w[i] as number) & mask32(bits - 32 * i)) >>> 0}.`
  return k
}

/** Builds the table from map entries (key text, value), skipping keys that are not addresses. */
export function buildIpMap<V>(entries: readonly (readonly [string, V])[]): IpMap<V> {
  const v4 = new Map<number, Map<string | number, V>>()
  const v6 = new Map<number, Map<string | number, V>>()
  const list: [number, number, V][] = []
  for (const [text, value] of entries) {
    const p = parseIpPattern(text)
    if (typeof p === 'string') continue
    if (p.v === 4) {
      const inv = ~p.mask >>> 0
      if (((inv + 1) & inv) !== 0) {
        list.push([(p.addr & p.mask) >>> 0, p.mask, value])
        continue
      }
      const bits = 32 - Math.log2(inv + 1)
      let m = v4.get(bits)
      if (!m) {
        m = new Map()
        v4.set(bits, m)
      }
      const k = (p.addr & p.mask) >>> 0
      if (!m.has(k)) m.set(k, value)
    } else {
      let m = v6.get(p.bits)
      if (!m) {
        m = new Map()
        v6.set(p.bits, m)
      }
      const k = key6(p.addr, p.bits)
      if (!m.has(k)) m.set(k, value)
    }
  }
  const levels = <T>(m: Map<number, Map<string | number, T>>): Level<T>[] => [...m.entries()].sort((a, b) => b[0] - a[0]).map(([bits, map]) => ({ bits, map }))
  const l4 = [...v4.entries()].sort((a, b) => b[0] - a[0]).map(([bits, map]) => level4(bits, map as Map<number, V>))
  const l6 = levels(v6)

  const find4 = (a: number): V | undefined => {
    for (const l of l4) {
      const v = find4In(l, a)
      if (v !== undefined) return v
    }
    return undefined
  }
  const find6 = (w: readonly number[]): V | undefined => {
    for (const l of l6) {
      const v = l.map.get(key6(w, l.bits))
      if (v !== undefined) return v
    }
    return undefined
  }
  const findList = (a: number): V | undefined => {
    for (const [net, mask, value] of list) if ((a & mask) >>> 0 === net) return value
    return undefined
  }
  const w = [0, 0, 0, 0]
  return {
    get(ip) {
      const a = buf2ip(ip)
      if (a >= 0) return find4(a) ?? (l6.length > 0 ? find6([0, 0, 0xffff, a]) : undefined) ?? findList(a)
      if (!inetPton6(ip, w)) return undefined
      const hit = find6(w)
      if (hit !== undefined) return hit
      let v4addr: number | undefined
      if (w[0] === 0 && w[1] === 0 && (w[2] === 0 || w[2] === 0xffff)) v4addr = w[3] as number
      else if ((w[0] as number) >>> 16 === 0x2002) v4addr = ((((w[0] as number) & 0xffff) << 16) | ((w[1] as number) >>> 16)) >>> 0
      if (v4addr === undefined) return undefined
      return find4(v4addr) ?? findList(v4addr)
    },
  }
}

/**
 * @module
 * The merged-range IP set on a large list: 100,000 random networks (IPv4 with prefix and dotted
 * masks, a few non-contiguous masks, IPv6, IPv4-mapped IPv6) checked against a naive matcher
 * that applies pattern.c's pat_match_ip rules pattern by pattern.
 */
import { describe, expect, it } from 'vitest'
import { buildIpSet, compileIpSet, type IpSetData, prepareIpSet } from '../../../src/sample/match/ip-set.ts'
import { rng as prng } from '../../../bench/lib/rng.ts'

const v4text = (x: number) => `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`
const v6text = (w: readonly number[]) => w.flatMap((x) => [(x >>> 16).toString(16), (x & 0xffff).toString(16)]).join(':')
const mask4 = (bits: number) => (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0)

interface Naive4 {
  addr: number
  mask: number
}
interface Naive6 {
  addr: number[]
  mask: number[]
}

function naiveMatch(v4: Naive4[], v6: Naive6[], sample: { v4?: number; v6?: number[] }): boolean {
  const in4 = (x: number) => v4.some((p) => ((x ^ p.addr) & p.mask) === 0)
  const in6 = (w: readonly number[]) => v6.some((p) => p.mask.every((m, i) => (((w[i] as number) ^ (p.addr[i] as number)) & m) === 0))
  if (sample.v4 !== undefined) return in4(sample.v4) || in6([0, 0, 0xffff, sample.v4])
  const w = sample.v6 as number[]
  if (in6(w)) return true
  const [w0, w1, w2, w3] = w as [number, number, number, number]
  if (w0 === 0 && w1 === 0 && (w2 === 0 || w2 === 0xffff)) return in4(w3)
  if (w0 >>> 16 === 0x2002) return in4((((w0 & 0xffff) << 16) | (w1 >>> 16)) >>> 0)
  return false
}

describe('IP set with 100,000 random networks', () => {
  it('agrees with a naive pattern-by-pattern matcher', () => {
    const rnd = prng(2026)
    const r32 = () => Math.floor(rnd() * 4294967296) >>> 0
    const patterns: string[] = []
    const naive4: Naive4[] = []
    const naive6: Naive6[] = []

    for (let i = 0; i < 79_900; i++) {
      const bits = rnd() < 0.002 ? 8 + Math.floor(rnd() * 8) : 16 + Math.floor(rnd() * 17)
      const addr = r32()
      naive4.push({ addr, mask: mask4(bits) })
      patterns.push(rnd() < 0.1 ? `${v4text(addr)}/${v4text(mask4(bits))}` : bits === 32 && rnd() < 0.5 ? v4text(addr) : `${v4text(addr)}/${bits}`)
    }
    for (let i = 0; i < 100; i++) {
      // non-contiguous dotted masks
      const addr = r32()
      const mask = (r32() | 0xff000000) >>> 0
      naive4.push({ addr, mask })
      patterns.push(`${v4text(addr)}/${v4text(mask)}`)
    }
    const sixPrefix = [0x20010db8, 0x2a010000, 0x00000000]
    for (let i = 0; i < 20_000; i++) {
      const mapped = i % 10 === 0
      const bits = mapped ? 96 + 8 + Math.floor(rnd() * 25) : 48 + Math.floor(rnd() * 81)
      const addr = mapped ? [0, 0, 0xffff, r32()] : [sixPrefix[i % 2] as number, r32(), r32(), r32()]
      const mask = [0, 1, 2, 3].map((k) => mask4(Math.max(0, Math.min(32, bits - 32 * k))))
      naive6.push({ addr, mask })
      patterns.push(`${v6text(addr)}/${bits}`)
    }
    expect(patterns).toHaveLength(100_000)

    const errors: [number, string][] = []
    const data: IpSetData = JSON.parse(JSON.stringify(prepareIpSet(patterns, (i, m) => errors.push([i, m]))))
    expect(errors).toEqual([])
    expect(data.v4m).toHaveLength(200)
    const set = compileIpSet(data)
    const byText = buildIpSet(data)

    const probes: { v4?: number; v6?: number[] }[] = []
    for (let i = 0; i < 3000; i++) {
      const kind = i % 6
      if (kind === 0) probes.push({ v4: r32() })
      else if (kind === 1) {
        // at or just outside the edges of a random IPv4 network
        const p = naive4[Math.floor(rnd() * naive4.length)] as Naive4
        const start = (p.addr & p.mask) >>> 0
        const end = (start | ~p.mask) >>> 0
        const pick = [start, end, (start - 1) >>> 0, (end + 1) >>> 0][i % 4] as number
        probes.push({ v4: pick })
      } else if (kind === 2) {
        const p = naive6[Math.floor(rnd() * naive6.length)] as Naive6
        const w = p.addr.map((x, k) => ((x & (p.mask[k] as number)) | (rnd() < 0.5 ? ~(p.mask[k] as number) & r32() : 0)) >>> 0)
        if (rnd() < 0.3) w[3] = ((w[3] as number) ^ 1) >>> 0
        probes.push({ v6: w })
      } else if (kind === 3) probes.push({ v6: [sixPrefix[i % 3] as number, r32(), r32(), r32()] })
      else if (kind === 4) {
        // IPv4 embedded in IPv6: mapped, compatible, 6to4
        const x = (naive4[Math.floor(rnd() * naive4.length)] as Naive4).addr
        const forms = [
          [0, 0, 0xffff, x],
          [0, 0, 0, x],
          [(0x20020000 | (x >>> 16)) >>> 0, ((x & 0xffff) << 16) >>> 0, 0, 1],
        ]
        probes.push({ v6: forms[i % 3] as number[] })
      } else probes.push({ v4: (naive4[Math.floor(rnd() * naive4.length)] as Naive4).addr })
    }

    let hits = 0
    for (const probe of probes) {
      const want = naiveMatch(naive4, naive6, probe)
      if (want) hits++
      if (probe.v4 !== undefined) {
        expect(set.hasV4(probe.v4), v4text(probe.v4)).toBe(want)
        expect(byText(v4text(probe.v4)), v4text(probe.v4)).toBe(want)
      } else {
        const w = probe.v6 as [number, number, number, number]
        expect(set.hasV6(...w), v6text(w)).toBe(want)
        expect(byText(v6text(w)), v6text(w)).toBe(want)
      }
    }
    // the probes exercise both outcomes
    expect(hits).toBeGreaterThan(500)
    expect(probes.length - hits).toBeGreaterThan(500)
  })

  it('merges overlapping and adjacent ranges', () => {
    const data = prepareIpSet(['10.0.0.0/9', '10.128.0.0/9', '10.1.0.0/16', '192.168.1.1', '192.168.1.2', '::/1', '8000::/1'], () => {})
    expect(data.v4).toEqual([0x0a000000, 0x0affffff, 0xc0a80101, 0xc0a80102])
    expect(data.v6).toEqual([0, 0, 0, 0, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff])
    expect(data.v4m).toEqual([])
  })

  it('an empty set matches nothing', () => {
    const has = buildIpSet(prepareIpSet([], () => {}))
    expect(has('1.2.3.4')).toBe(false)
    expect(has('::1')).toBe(false)
    expect(has('garbage')).toBe(false)
  })
})

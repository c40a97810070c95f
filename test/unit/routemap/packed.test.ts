/**
 * Big `-m ip` lists in the RouteMap (src/routemap/packed.ts, src/sample/match/ip-set.ts): stored
 * as packed merged ranges, so the RouteMap grows with the merged ranges, not with the text;
 * matching a packed list is the same as matching the patterns one by one; the runtime API edits
 * a packed list like any other.
 */
import { describe, expect, it } from 'vitest'
import { applyPatternEdits } from '../../../src/api/patterns.ts'
import { runCommands } from '../../../src/api/run.ts'
import { createEngine } from '../../../src/engine/index.ts'
import { fromBase64, packRanges4, packRanges6, toBase64, unpackRanges4, unpackRanges6 } from '../../../src/routemap/packed.ts'
import type { IpSetData, RouteMap } from '../../../src/routemap/schema.ts'
import { parseIpPattern } from '../../../src/sample/match/ip-parse.ts'
import { compileIpSet, prepareIpSet } from '../../../src/sample/match/ip-set.ts'
import { compile } from '../../helpers/cfg.ts'
import { memoryContext } from '../api/memory-context.ts'
import { rngU32 as rng, v4 } from '../../../bench/lib/rng.ts'

const v6 = (w: readonly number[]): string => w.flatMap((x) => [(x >>> 16).toString(16), (x & 0xffff).toString(16)]).join(':')

/** The naive matcher: each pattern tried in turn (exact IPv4 and IPv6 networks, same family only). */
function naive(patterns: readonly string[]): (addr: string) => boolean {
  const parsed = patterns.map((p) => parseIpPattern(p))
  return (addr) => {
    const a = parseIpPattern(addr)
    if (typeof a === 'string') return false
    return parsed.some((p) => {
      if (typeof p === 'string' || p.v !== a.v) return false
      if (p.v === 4 && a.v === 4) return (a.addr & p.mask) >>> 0 === (p.addr & p.mask) >>> 0
      if (p.v === 6 && a.v === 6) {
        for (let i = 0; i < 4; i++) {
          const bits = Math.max(0, Math.min(32, p.bits - 32 * i))
          const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0
          if (((a.addr[i] as number) & m) >>> 0 !== ((p.addr[i] as number) & m) >>> 0) return false
        }
        return true
      }
      return false
    })
  }
}

describe('packed range lists', () => {
  it('base64 round-trips any bytes and refuses what is not base64', () => {
    const r = rng(1)
    for (const n of [0, 1, 2, 3, 4, 5, 100, 1001]) {
      const b = Uint8Array.from({ length: n }, () => r() & 255)
      const t = toBase64(b)
      expect(t).toBe(Buffer.from(b).toString('base64'))
      expect(fromBase64(t)).toEqual(b)
    }
    for (const bad of ['a', 'ab=c', '!!!!', 'AA=A', 'é===']) expect(fromBase64(bad)).toBeUndefined()
  })

  it('IPv4 and IPv6 ranges round-trip; corrupt text is refused, never decoded to wrong ranges', () => {
    const r = rng(2)
    const flat: number[] = []
    let at = 0
    while (flat.length < 20_000) {
      const s = at + (r() % 100_000)
      const e = s + (r() % 3 === 0 ? r() % 1000 : 0)
      if (e > 0xffffffff) break
      flat.push(s, e)
      at = e + 2
    }
    flat.push(0xfffffff0, 0xffffffff)
    expect(Array.from(unpackRanges4(packRanges4(flat)) as Uint32Array)).toEqual(flat)
    const words = [0x20010db8, 0, 0, 1, 0x20010db8, 0, 0, 0xff, 0xfe800000, 0, 0, 0, 0xfebfffff, 0xffffffff, 0xffffffff, 0xffffffff]
    expect(Array.from(unpackRanges6(packRanges6(words)) as Uint32Array)).toEqual(words)
    expect(unpackRanges4('gA==')).toBe('truncated or oversized varint')
    expect(unpackRanges4(toBase64(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f, 0x01)))).toBe('a range goes beyond 255.255.255.255')
    expect(unpackRanges6(toBase64(new Uint8Array(31)))).toBe('not a whole number of IPv6 ranges')
  })

  it('a list is stored as its merged ranges: 1,000,000 lines inside 1,000 /16s take a few kB', () => {
    const r = rng(3)
    const nets = new Set<number>()
    while (nets.size < 1000) nets.add((r() & 0xffff) << 16)
    const lines: string[] = []
    for (const n of nets) {
      // every /24 of the /16, then addresses inside it: all merge into the /16
      for (let i = 0; i < 256; i++) lines.push(`${v4(n + i * 256)}/24`)
      for (let i = 0; i < 744; i++) lines.push(v4(n + (r() & 0xffff)))
    }
    const text = `${lines.join('\n')}\n`
    expect(lines.length).toBe(1_000_000)
    const rm = compile('frontend fe\n  bind :80\n  acl bad src -f /lists/bad.lst\n  http-request deny if bad\n', { files: { '/lists/bad.lst': text } }).routeMap
    const t = rm?.frontends[0]?.acls[0]?.tests[0]
    const data = t?.data as IpSetData
    expect(typeof data.v4).toBe('string')
    const ranges = (unpackRanges4(data.v4 as string) as Uint32Array).length / 2
    // adjacent /16s merge too: at most one range per /16
    expect(ranges).toBeLessThanOrEqual(1000)
    expect(ranges).toBeGreaterThan(900)
    // the whole RouteMap is ~1,000 times smaller than the list's text
    expect(JSON.stringify(rm).length).toBeLessThan(text.length / 500)
    expect(t?.patternCount).toBe(1_000_000)
  }, 120_000)

  it('a packed list matches exactly what its patterns match, one by one (IPv4 and IPv6, seeded)', () => {
    const r = rng(4)
    const patterns: string[] = []
    for (let i = 0; i < 1500; i++) patterns.push(i % 10 === 0 ? `${v4(r())}/${8 + (r() % 25)}` : v4(r() & 0x0fffffff))
    for (let i = 0; i < 300; i++) {
      const w = [0x20010db8, r() & 0xff, r(), r()]
      patterns.push(i % 3 === 0 ? `${v6(w)}/${64 + (r() % 65)}` : v6(w))
    }
    const data = JSON.parse(JSON.stringify(prepareIpSet(patterns, () => {}))) as IpSetData
    expect(typeof data.v4).toBe('string')
    expect(typeof data.v6).toBe('string')
    const set = compileIpSet(data)
    const want = naive(patterns)
    let hits = 0
    const probes: string[] = []
    for (const p of patterns.slice(0, 1000)) {
      const x = parseIpPattern(p)
      if (typeof x !== 'string' && x.v === 4) probes.push(v4(x.addr), v4((x.addr + 1) >>> 0), v4((x.addr - 1) >>> 0))
      if (typeof x !== 'string' && x.v === 6) probes.push(v6(x.addr), v6([...x.addr.slice(0, 3), ((x.addr[3] as number) + 1) >>> 0]))
    }
    for (let i = 0; i < 2000; i++) probes.push(v4(r() & 0x0fffffff), v4(r()))
    for (const a of probes) {
      const got = set.hasText(a)
      expect(got, a).toBe(want(a))
      if (got) hits++
    }
    expect(hits).toBeGreaterThan(1000)
    expect(probes.length - hits).toBeGreaterThan(1000)
  })

  it('the runtime API adds, deletes, lists and clears entries of a packed list', async () => {
    const list = Array.from({ length: 500 }, (_, i) => v4(0x0a000000 + i * 4))
    const rm = compile('defaults\n  mode http\nfrontend fe\n  bind :80\n  acl bad src -f /lists/bad.lst\n  http-request deny if bad\n  default_backend be\nbackend be\n  server s 192.0.2.1:80\n', {
      files: { '/lists/bad.lst': `${list.join('\n')}\n` },
    }).routeMap as RouteMap
    const data = rm.frontends[0]?.acls[0]?.tests[0]?.data as IpSetData | undefined
    expect(typeof data?.v4).toBe('string')
    const ctx = memoryContext(rm, { level: 'admin' })
    const run = (t: string) => runCommands(`${t}\n`, ctx)
    const denied = async (src: string) => {
      const engine = createEngine(applyPatternEdits(rm, ctx.patterns))
      const d = await engine.decide({ method: 'GET', url: 'http://x/', headers: [], src })
      return d.kind === 'respond' && d.response.status === 403
    }
    expect(await run('show acl')).toContain('entry_cnt=500')
    expect((await run('show acl #0')).split('\n').filter(Boolean)).toHaveLength(500)
    expect(await denied('10.0.0.4')).toBe(true)
    expect(await denied('10.0.0.5')).toBe(false)
    expect(await run('add acl #0 10.0.0.5')).toBe('\n')
    expect(await denied('10.0.0.5')).toBe(true)
    expect(await run('del acl #0 10.0.0.4')).toBe('\n')
    expect(await denied('10.0.0.4')).toBe(false)
    expect(await run('get acl #0 10.0.0.5')).toContain('match=yes')
    expect(await run('show acl')).toContain('entry_cnt=500')
    expect(await run('clear acl #0')).toBe('\n')
    expect(await denied('10.0.0.8')).toBe(false)
  })
})

describe('map_ip over a big map', () => {
  it('finds what a linear scan finds: the most specific network, the first line among equals (seeded)', async () => {
    const { buildIpMap } = await import('../../../src/sample/converters/map-ip.ts')
    const r = rng(5)
    const entries: [string, string][] = []
    for (let i = 0; i < 5000; i++) {
      const bits = [8, 16, 24, 32, 32, 32][r() % 6] as number
      entries.push([`${v4(r() & 0x3fffffff)}/${bits}`, `v${i}`])
    }
    // a duplicate network: the first line wins
    entries.push([entries[0]?.[0] as string, 'dup'])
    const table = buildIpMap(entries)
    const parsed = entries.map(([k, v]) => ({ p: parseIpPattern(k), v }))
    const linear = (a: number): string | undefined => {
      let best: string | undefined
      let bestBits = -1
      for (const { p, v } of parsed) {
        if (typeof p === 'string' || p.v !== 4) continue
        const bits = 32 - Math.log2((~p.mask >>> 0) + 1)
        if ((a & p.mask) >>> 0 === (p.addr & p.mask) >>> 0 && bits > bestBits) {
          best = v
          bestBits = bits
        }
      }
      return best
    }
    let hits = 0
    for (let i = 0; i < 3000; i++) {
      const e = parsed[r() % parsed.length]?.p
      const a = i % 2 === 0 && e && typeof e !== 'string' && e.v === 4 ? (e.addr + (r() & 0xff)) >>> 0 : r() & 0x3fffffff
      const got = table.get(v4(a))
      expect(got, v4(a)).toBe(linear(a))
      if (got !== undefined) hits++
    }
    expect(hits).toBeGreaterThan(500)
  })
})

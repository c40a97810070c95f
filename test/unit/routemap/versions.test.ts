/**
 * RouteMap versions in KV: push / rollback / status over an in-memory KV, and the Worker's
 * LiveRouteMap switching, keeping the last good map on garbage, and polling on its interval.
 */
import { describe, expect, it } from 'vitest'
import { engineNames } from '../../../src/engine/known-names.ts'
import { contentHash, HISTORY_KEY, LIVE_KEY, parsePointer, versionKey } from '../../../src/routemap/kv.ts'
import { LiveRouteMap } from '../../../src/routemap/live.ts'
import { formatStatus, type KvStore, push, RollbackError, readState, rollback } from '../../../src/routemap/publish.ts'
import type { RouteMap } from '../../../src/routemap/schema.ts'
import { compile } from '../../helpers/cfg.ts'

class MemoryKv implements KvStore {
  readonly data = new Map<string, string>()
  readonly writes: string[] = []
  async get(key: string): Promise<string | null> {
    return this.data.get(key) ?? null
  }
  async putMany(entries: readonly { key: string; value: string }[]): Promise<void> {
    for (const e of entries) {
      this.data.set(e.key, e.value)
      this.writes.push(e.key)
    }
  }
}

function map(backend: string): RouteMap {
  const rm = compile(`defaults\n  mode http\nfrontend fe\n  bind :80\n  default_backend ${backend}\nbackend ${backend}\n  server s1 127.0.0.1:9000\n`).routeMap
  if (!rm) throw new Error('does not compile')
  return rm
}

describe('edgeproxy push / rollback / status (KV layout)', () => {
  it('writes the immutable version and the history before flipping the pointer', async () => {
    const kv = new MemoryKv()
    const r = await push(kv, map('a'), ['a.cfg'])
    expect(r).toEqual({ version: 'v1', unchanged: false })
    expect(kv.writes).toEqual([versionKey('v1'), HISTORY_KEY, LIVE_KEY])
    const live = parsePointer(kv.data.get(LIVE_KEY))
    expect(live?.version).toBe('v1')
    expect(live?.hash).toBe(map('a').hash)
  })

  it('numbers versions in push order, does nothing when the map is already live, and rolls back', async () => {
    const kv = new MemoryKv()
    await push(kv, map('a'), ['a.cfg'])
    expect((await push(kv, map('b'), ['b.cfg'])).version).toBe('v2')
    expect((await push(kv, map('b'), ['b.cfg'])).unchanged).toBe(true)
    expect((await push(kv, map('c'), ['c.cfg'])).previous).toBe('v2')
    // Pushing an older content again is a new version.
    expect((await push(kv, map('a'), ['a.cfg'])).version).toBe('v4')
    const back = await rollback(kv)
    expect(back).toEqual({ version: 'v3', unchanged: false, previous: 'v4' })
    expect((await rollback(kv, '1')).version).toBe('v1')
    const { live, history } = await readState(kv)
    expect(live?.by).toBe('rollback')
    expect(history.map((h) => h.version)).toEqual(['v1', 'v2', 'v3', 'v4'])
    expect(formatStatus(live, history)).toMatch(/^live: v1 [0-9a-f]{12} since .* \(rollback\)\nversions:\n {4}v4/)
    expect(formatStatus(live, history)).toMatch(/\n {2}\* v1 /)
  })

  it('refuses to roll back to a version that does not exist or is unreadable, and changes nothing', async () => {
    const kv = new MemoryKv()
    await expect(rollback(kv)).rejects.toThrow(RollbackError)
    await push(kv, map('a'), ['a.cfg'])
    await expect(rollback(kv)).rejects.toThrow('no version before the live one (v1)')
    await push(kv, map('b'), ['b.cfg'])
    await expect(rollback(kv, 'v9')).rejects.toThrow("no version 'v9' (known: v1, v2)")
    kv.data.set(versionKey('v1'), '{garbage')
    const before = kv.data.get(LIVE_KEY)
    await expect(rollback(kv)).rejects.toThrow('version v1 is unusable: not JSON')
    expect(kv.data.get(LIVE_KEY)).toBe(before)
  })
})

describe('LiveRouteMap: the isolate follows the pointer', () => {
  function live(kv: MemoryKv, clock: { t: number }, logs: string[]) {
    return new LiveRouteMap({ get: (k) => kv.get(k) }, () => map('fallback'), { pollMs: 1000, now: () => clock.t, log: (l) => logs.push(l) })
  }

  it('uses the fallback without a pointer, then switches when a version is pushed, on its interval', async () => {
    const kv = new MemoryKv()
    const clock = { t: 0 }
    const logs: string[] = []
    const l = live(kv, clock, logs)
    expect((await l.current()).routeMap.backends[0]?.name).toBe('fallback')
    await push(kv, map('a'), ['a.cfg'])
    clock.t = 500
    expect(l.due()).toBe(false)
    clock.t = 1000
    expect(l.due()).toBe(true)
    await l.poll()
    const cur = await l.current()
    expect(cur.version).toBe('v1')
    expect(cur.routeMap.backends[0]?.name).toBe('a')
    expect(logs.at(-1)).toMatch(/switched from the built-in RouteMap to v1/)
  })

  it('keeps the last good map when the pointer names garbage or a version with another hash', async () => {
    const kv = new MemoryKv()
    const clock = { t: 0 }
    const logs: string[] = []
    await push(kv, map('a'), ['a.cfg'])
    const l = live(kv, clock, logs)
    expect((await l.current()).version).toBe('v1')
    kv.data.set(versionKey('v2'), 'not json')
    kv.data.set(LIVE_KEY, JSON.stringify({ version: 'v2', hash: 'abc', at: '', by: 'push' }))
    await l.poll()
    expect((await l.current()).version).toBe('v1')
    expect(logs.at(-1)).toMatch(/live version v2 is unusable \(not JSON\); keeping v1/)
    kv.data.set(versionKey('v3'), JSON.stringify(map('b')))
    kv.data.set(LIVE_KEY, JSON.stringify({ version: 'v3', hash: 'deadbeef', at: '', by: 'push' }))
    await l.poll()
    expect((await l.current()).version).toBe('v1')
    expect(logs.at(-1)).toMatch(/does not match the pointer/)
    kv.data.set(LIVE_KEY, 'garbage')
    await l.poll()
    expect((await l.current()).routeMap.backends[0]?.name).toBe('a')
  })

  it('retries a version that reads as null right after a push (pointer seen first), with backoff, until it appears', async () => {
    // An eventually consistent KV: the new pointer is visible before the version it names.
    const kv = new MemoryKv()
    await push(kv, map('a'), ['a.cfg'])
    const hidden = new Set<string>()
    const reads: string[] = []
    const clock = { t: 0 }
    const logs: string[] = []
    const l = new LiveRouteMap(
      {
        get: (k) => {
          reads.push(k)
          return hidden.has(k) ? Promise.resolve(null) : kv.get(k)
        },
      },
      () => map('fallback'),
      { pollMs: 5000, now: () => clock.t, log: (x) => logs.push(x) },
    )
    expect((await l.current()).version).toBe('v1')
    hidden.add(versionKey('v2'))
    await push(kv, map('b'), ['b.cfg'])
    clock.t = 5000
    await l.poll()
    expect((await l.current()).version).toBe('v1')
    expect(logs.at(-1)).toMatch(/live version v2 is not readable yet; keeping v1 and retrying/)
    // Retried after 1 s, then 2 s, then 4 s: sooner than the 5 s poll interval.
    const versionReads = () => reads.filter((k) => k === versionKey('v2')).length
    clock.t = 5500
    expect(l.due()).toBe(false)
    clock.t = 6000
    expect(l.due()).toBe(true)
    await l.poll()
    expect(versionReads()).toBe(2)
    clock.t = 7000
    await l.poll()
    expect(versionReads()).toBe(2)
    clock.t = 8000
    expect(l.due()).toBe(true)
    await l.poll()
    expect(versionReads()).toBe(3)
    // The version reaches this location: the next retry switches to it.
    hidden.delete(versionKey('v2'))
    clock.t = 12000
    await l.poll()
    const cur = await l.current()
    expect(cur.version).toBe('v2')
    expect(cur.routeMap.backends[0]?.name).toBe('b')
    expect(logs.at(-1)).toMatch(/switched from v1 to v2/)
    // Back to the poll interval.
    clock.t = 13000
    expect(l.due()).toBe(false)
  })

  it('a rollback while a version is missing drops its retry', async () => {
    const kv = new MemoryKv()
    await push(kv, map('a'), ['a.cfg'])
    const clock = { t: 0 }
    const l = new LiveRouteMap({ get: (k) => (k === versionKey('v2') ? Promise.resolve(null) : kv.get(k)) }, () => map('fallback'), { pollMs: 5000, now: () => clock.t, log: () => {} })
    expect((await l.current()).version).toBe('v1')
    await push(kv, map('b'), ['b.cfg'])
    clock.t = 5000
    await l.poll()
    await rollback(kv, 'v1')
    clock.t = 6000
    await l.poll()
    expect((await l.current()).version).toBe('v1')
    clock.t = 8000
    expect(l.due()).toBe(false)
  })

  it('the backoff of a missing version is capped, and a pointer to another version starts over', async () => {
    const kv = new MemoryKv()
    const reads: string[] = []
    const clock = { t: 0 }
    const l = new LiveRouteMap(
      {
        get: (k) => {
          reads.push(k)
          return k === LIVE_KEY ? kv.get(k) : Promise.resolve(null)
        },
      },
      () => map('fallback'),
      { pollMs: 1e9, now: () => clock.t, log: () => {} },
    )
    await push(kv, map('a'), ['a.cfg'])
    expect((await l.current()).version).toBeUndefined()
    let last = 0
    const gaps: number[] = []
    for (let t = 0; t <= 300_000; t += 500) {
      clock.t = t
      if (!l.due()) continue
      const n = reads.length
      await l.poll()
      if (reads.length > n + 1) {
        gaps.push(t - last)
        last = t
      }
    }
    expect(gaps.slice(0, 8)).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000])
    expect(Math.max(...gaps)).toBe(60000)
  })

  it('a version that reads as garbage is not read again until the pointer changes', async () => {
    const kv = new MemoryKv()
    await push(kv, map('a'), ['a.cfg'])
    const reads: string[] = []
    const l = new LiveRouteMap(
      {
        get: (k) => {
          reads.push(k)
          return kv.get(k)
        },
      },
      () => map('fallback'),
      { pollMs: 0, now: () => 0, log: () => {} },
    )
    expect((await l.current()).version).toBe('v1')
    kv.data.set(versionKey('v2'), 'not json')
    kv.data.set(LIVE_KEY, JSON.stringify({ version: 'v2', hash: 'abc', at: '', by: 'push' }))
    await l.poll()
    await l.poll()
    await l.poll()
    expect(reads.filter((k) => k === versionKey('v2'))).toHaveLength(1)
    expect((await l.current()).version).toBe('v1')
  })

  /** A map that fails validation (an action the engine lacks) but whose declared hash is its content's. */
  function invalidText(): { text: string; hash: string } {
    const m = JSON.parse(JSON.stringify(map('bad'))) as Record<string, unknown> & { backends: Record<string, unknown>[] }
    ;(m.backends[0] as Record<string, unknown>).balance = { algo: 'fastest' }
    const hash = contentHash(m)
    return { text: JSON.stringify({ ...m, hash }), hash }
  }

  it('a version that fails validation (its declared hash matching) never switches in, is logged once, and the next good one does', async () => {
    const kv = new MemoryKv()
    await push(kv, map('a'), ['a.cfg'])
    const logs: string[] = []
    const reads: string[] = []
    const l = new LiveRouteMap(
      {
        get: (k) => {
          reads.push(k)
          return kv.get(k)
        },
      },
      () => map('fallback'),
      { pollMs: 0, now: () => 0, log: (x) => logs.push(x), names: engineNames() },
    )
    expect((await l.current()).version).toBe('v1')
    const bad = invalidText()
    kv.data.set(versionKey('v2'), bad.text)
    kv.data.set(LIVE_KEY, JSON.stringify({ version: 'v2', hash: bad.hash, at: '', by: 'push' }))
    for (let i = 0; i < 3; i++) {
      await l.poll()
      // Every request in between runs the current map: the bad one is never current.
      expect((await l.current()).version).toBe('v1')
    }
    const unusable = logs.filter((x) => x.includes('v2'))
    expect(unusable).toHaveLength(1)
    expect(unusable[0]).toMatch(/live version v2 is unusable \(invalid RouteMap: \$\.backends\[0\]\.balance\.algo: expected one of .*found "fastest"\); keeping v1/)
    expect(reads.filter((k) => k === versionKey('v2'))).toHaveLength(1)
    // The next good version switches in.
    const next = await push(kv, map('c'), ['c.cfg'])
    await l.poll()
    expect((await l.current()).version).toBe(next.version)
    expect((await l.current()).routeMap.backends[0]?.name).toBe('c')
  })

  it("the state plane's offer(pointer, text) goes through the same validation", async () => {
    const kv = new MemoryKv()
    await push(kv, map('a'), ['a.cfg'])
    const logs: string[] = []
    const l = new LiveRouteMap({ get: (k) => kv.get(k) }, () => map('fallback'), { pollMs: 0, now: () => 0, log: (x) => logs.push(x), names: engineNames() })
    expect((await l.current()).version).toBe('v1')
    const bad = invalidText()
    const pointer = { version: 'v2', hash: bad.hash, at: '', by: 'push' as const }
    await l.offer(pointer, bad.text)
    await l.offer(pointer, bad.text)
    expect((await l.current()).version).toBe('v1')
    expect(logs.filter((x) => x.includes('v2') && x.includes('invalid RouteMap'))).toHaveLength(1)
    // Tampered content under a declared hash that matches the pointer: the recomputed hash refuses it.
    const good = map('b')
    const tampered = JSON.stringify({ ...good, backends: [{ ...good.backends[0], retries: 99 }] })
    await l.offer({ version: 'v3', hash: good.hash, at: '', by: 'push' }, tampered)
    expect((await l.current()).version).toBe('v1')
    expect(logs.at(-1)).toMatch(/live version v3 is unusable \(content hashes to [0-9a-f]{12}, not to its declared/)
    await l.offer({ version: 'v4', hash: good.hash, at: '', by: 'push' }, JSON.stringify(good))
    expect((await l.current()).version).toBe('v4')
  })

  it('keeps the current map when KV fails', async () => {
    const kv = new MemoryKv()
    await push(kv, map('a'), ['a.cfg'])
    const logs: string[] = []
    let fail = false
    const l = new LiveRouteMap({ get: (k) => (fail ? Promise.reject(new Error('KV down')) : kv.get(k)) }, () => map('fallback'), { pollMs: 0, now: () => 0, log: (x) => logs.push(x) })
    expect((await l.current()).version).toBe('v1')
    fail = true
    await l.poll()
    expect((await l.current()).version).toBe('v1')
    expect(logs.at(-1)).toMatch(/cannot read routemap:live: Error: KV down; keeping the current RouteMap/)
  })
})

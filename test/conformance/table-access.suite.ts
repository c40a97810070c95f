/**
 * The TableAccess contract (src/api/context.ts: what the runtime API's `show table`, `clear table`
 * and `set table` run on), on every implementation: over in-memory tables (memoryTableAccess,
 * table-access.test.ts) and over the StickTable Durable Objects, every shard of a table
 * (durableTableAccess, table-access.workers.test.ts). Entries are written as the data plane
 * writes them (`track`) or by `set`; both implementations must show the same live entries with
 * the same data (rates read at the clock), the same remaining time, the same counts, and clear
 * the same entries. Entry order and the `shard` number are the implementation's own (the memory
 * tables have one shard); the suite compares entries by key.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { TableAccess, TableEntryView } from '../../src/api/context.ts'
import { compileConfig } from '../../src/config/compile.ts'
import type { RouteMap } from '../../src/routemap/schema.ts'
import type { StickOp } from '../../src/state/memory-stick.ts'

/** One implementation under test over `routeMap`'s tables at clock `now`. */
export interface TableHarness {
  readonly access: TableAccess
  /** The data plane's write: track-sc (or a stick store) of `key` with `ops`, at `now`. */
  track(table: string, key: string, ops: readonly StickOp[]): Promise<void>
}

export type TableHarnessFactory = (routeMap: RouteMap, now: () => number) => TableHarness

let serial = 0

/**
 * A RouteMap with table `t…` (unique per call: Durable Object storage outlives a test) of
 * `size` entries expiring after 60 s, and table `n…` without `expire`.
 */
function routeMap(size: number): { routeMap: RouteMap; t: string; n: string } {
  serial++
  const tag = `${serial}x${Math.floor(Math.random() * 1e9).toString(36)}`
  const t = `tbl${tag}`
  const n = `nox${tag}`
  const text = `defaults
  mode http
frontend ${t}
  bind :80
  stick-table type string len 32 size ${size} expire 60s store gpc0,gpt0,http_req_cnt,http_req_rate(10s),conn_cur
  default_backend ${n}
backend ${n}
  stick-table type string len 32 size 100 store gpc0
  server s1 192.0.2.1:80
`
  const r = compileConfig([{ name: 'conformance.cfg', text }])
  if (!r.routeMap) throw new Error(r.diagnostics.map((d) => d.message).join('\n'))
  return { routeMap: r.routeMap, t, n }
}

/** Entries by key, without the implementation's shard number. */
function byKey(views: readonly TableEntryView[]): Omit<TableEntryView, 'shard'>[] {
  return [...views].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map(({ shard: _s, ...rest }) => rest)
}

const KEYS = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6', '10.0.0.7', '10.0.0.8']

export function tableAccessConformance(name: string, factory: TableHarnessFactory): void {
  describe(`TableAccess conformance: ${name}`, () => {
    let clock = 0
    const now = (): number => clock
    beforeEach(() => {
      // Whole seconds near the real clock (Durable Object alarms purge with Date.now()).
      clock = Math.ceil(Date.now() / 1000) * 1000
    })

    for (const size of [1000, 120_000]) {
      describe(`size ${size}`, () => {
        it('an unknown table is empty, and writes to it do nothing', async () => {
          const { routeMap: rm } = routeMap(size)
          const { access } = factory(rm, now)
          await access.set('nope', 'k', { gpc0: 1 })
          expect(await access.dump('nope')).toEqual([])
          expect(await access.used('nope')).toBe(0)
          expect(await access.clear('nope')).toBe(0)
          expect(await access.clear('nope', 'k')).toBe(0)
        })

        it('shows what the data plane tracked: every stored type, rates at the clock, time left', async () => {
          const { routeMap: rm, t } = routeMap(size)
          const h = factory(rm, now)
          for (const [i, k] of KEYS.entries()) for (let j = 0; j <= i; j++) await h.track(t, k, [{ op: 'request' }])
          await h.track(t, KEYS[0] as string, [{ op: 'inc', data: 'gpc0' }, { op: 'end' }])
          clock += 1_500
          expect(await h.access.used(t)).toBe(KEYS.length)
          const views = await h.access.dump(t)
          for (const v of views) expect(v.shard).toBeGreaterThanOrEqual(0)
          expect(byKey(views)).toEqual(
            KEYS.map((key, i) => ({
              key,
              expMs: 58_500,
              data: { gpc0: i === 0 ? 1 : 0, gpt0: 0, http_req_cnt: i + 1, 'http_req_rate(10000)': i + 1, conn_cur: i === 0 ? 0 : i + 1 },
              use: 0,
            })),
          )
          // Rates decay with the clock; the time left shrinks.
          clock += 15_000
          const later = byKey(await h.access.dump(t)).find((v) => v.key === KEYS[7])
          // 16.5 s after 8 requests: the previous period's 8 × (10000 − 6500) / 10000.
          expect([later?.data['http_req_rate(10000)'], later?.expMs]).toEqual([2, 43_500])
        })

        it('set creates or updates an entry: counters as given, a rate as the current period, expiry refreshed', async () => {
          const { routeMap: rm, t } = routeMap(size)
          const h = factory(rm, now)
          await h.track(t, 'a', [{ op: 'request' }, { op: 'request' }])
          clock += 10_000
          await h.access.set(t, 'a', { gpc0: 5, http_req_rate: 9 })
          await h.access.set(t, 'b', { gpt0: 7 })
          expect(await h.access.used(t)).toBe(2)
          expect(byKey(await h.access.dump(t))).toEqual([
            { key: 'a', expMs: 60_000, data: { gpc0: 5, gpt0: 0, http_req_cnt: 2, 'http_req_rate(10000)': 9, conn_cur: 2 }, use: 0 },
            { key: 'b', expMs: 60_000, data: { gpc0: 0, gpt0: 7, http_req_cnt: 0, 'http_req_rate(10000)': 0, conn_cur: 0 }, use: 0 },
          ])
          clock += 12_500
          // The set rate is a period that started at `set`: 9 × 7500 / 10000.
          expect(byKey(await h.access.dump(t))[0]?.data['http_req_rate(10000)']).toBe(6)
        })

        it('expired entries are not shown, not counted, not cleared', async () => {
          const { routeMap: rm, t } = routeMap(size)
          const h = factory(rm, now)
          await h.track(t, 'old1', [{ op: 'request' }])
          await h.track(t, 'old2', [{ op: 'request' }])
          clock += 30_000
          await h.access.set(t, 'live', { gpc0: 1 })
          await h.track(t, 'live2', [{ op: 'request' }])
          clock += 30_000
          expect(byKey(await h.access.dump(t)).map((v) => v.key)).toEqual(['live', 'live2'])
          expect(await h.access.used(t)).toBe(2)
          await h.track(t, 'old3', [{ op: 'request' }])
          clock += 60_000
          await h.track(t, 'new', [{ op: 'request' }])
          // live, live2 and old3 have expired: clearing them removes nothing.
          expect(await h.access.clear(t, 'live')).toBe(0)
          expect(await h.access.clear(t)).toBe(1)
          expect(await h.access.used(t)).toBe(0)
        })

        it('clear removes one key or every entry, and says how many', async () => {
          const { routeMap: rm, t } = routeMap(size)
          const h = factory(rm, now)
          for (const k of KEYS) await h.track(t, k, [{ op: 'request' }])
          expect(await h.access.clear(t, KEYS[2])).toBe(1)
          expect(await h.access.clear(t, KEYS[2])).toBe(0)
          expect(await h.access.clear(t, 'absent')).toBe(0)
          expect(byKey(await h.access.dump(t)).map((v) => v.key)).toEqual(KEYS.filter((_, i) => i !== 2))
          expect(await h.access.clear(t)).toBe(KEYS.length - 1)
          expect(await h.access.dump(t)).toEqual([])
          expect(await h.access.used(t)).toBe(0)
          // A cleared key starts again from zero.
          await h.track(t, KEYS[0] as string, [{ op: 'request' }])
          expect(byKey(await h.access.dump(t))[0]?.data.http_req_cnt).toBe(1)
        })
      })
    }

    it('a table without expire shows no time left; a stored server id shows even when not declared', async () => {
      const { routeMap: rm, n } = routeMap(1000)
      const h = factory(rm, now)
      await h.track(n, 'u1', [{ op: 'inc', data: 'gpc0' }])
      await h.track(n, 'u2', [{ op: 'set', data: 'server_id', value: 1 }])
      clock += 3_600_000
      expect(byKey(await h.access.dump(n))).toEqual([
        { key: 'u1', data: { gpc0: 1 }, use: 0 },
        { key: 'u2', data: { server_id: 1, gpc0: 0 }, use: 0 },
      ])
    })
  })
}

/**
 * The StickStore contract (src/state/stick-store.ts), run on every implementation: the memory
 * store, and the Durable Object store (remote-stick.ts) over in-memory shards (stick-store.test.ts)
 * and over the real StickTable objects in workerd (stick-store.workers.test.ts). The suite uses a
 * store as the engine does (src/engine/stick.ts, server-select.ts):
 * - track-sc: `await store.track(table, key, [{ op: 'request' }])`, then `sc_*` reads on the
 *   returned entry through `store.table(table).read(entry, type, now)`;
 * - writes of the request (sc-inc-gpc0, sc-set-gpt0, the end of the response): applied to the
 *   entry in the view, then `store.ship?.(…)`;
 * - stick store: `table.touch(key)` + server_id, shipped; stick match: `await store.load?.(…)`,
 *   then `table.peek(key)`.
 * Every implementation must give the same observable results for the same sequence of operations
 * at the same clock: counters, rates, conn_cur, gpc/gpt, expiry, the size limit (least recently
 * used entry out) and `nopurge`.
 */
import { beforeEach, describe, expect, it } from 'vitest'
import type { StickTableSpec } from '../../src/routemap/schema.ts'
import type { StickEntry, StickOp } from '../../src/state/memory-stick.ts'
import type { StickStore } from '../../src/state/stick-store.ts'

/** One implementation under test: a store (one isolate) over tables `specs`, at clock `now`. */
export interface StickHarness {
  readonly store: StickStore
  /** Resolves once the writes sent in the background (ship, batches) have reached the shared table. */
  settle(): Promise<void>
}

export type StickHarnessFactory = (specs: readonly StickTableSpec[], now: () => number) => StickHarness

const EXPIRE = 30_000
const PERIOD = 10_000

let tableSerial = 0

/**
 * A table named uniquely per test (Durable Object storage outlives a test), storing every data
 * type the engine writes.
 */
function table(over: Partial<StickTableSpec> = {}): StickTableSpec {
  tableSerial++
  return {
    name: `conf${tableSerial}x${Math.floor(Math.random() * 1e9).toString(36)}`,
    type: 'string',
    keyLength: 32,
    size: 1000,
    expireMs: EXPIRE,
    nopurge: false,
    store: [
      { type: 'http_req_cnt' },
      { type: 'http_req_rate', periodMs: PERIOD },
      { type: 'conn_cnt' },
      { type: 'conn_cur' },
      { type: 'sess_cnt' },
      { type: 'gpc0' },
      { type: 'gpc0_rate', periodMs: PERIOD },
      { type: 'gpc1' },
      { type: 'gpt0' },
      { type: 'http_err_cnt' },
      { type: 'http_err_rate', periodMs: PERIOD },
      { type: 'bytes_out_cnt' },
    ],
    consistency: 'exact',
    origin: { file: 'conformance.cfg', line: 1 },
    ...over,
  }
}

export function stickStoreConformance(name: string, factory: StickHarnessFactory): void {
  describe(`StickStore conformance: ${name}`, () => {
    let t = 0
    const now = (): number => t
    beforeEach(() => {
      // Near the real clock: the Durable Object's alarm purges with Date.now(), and the suite's
      // clock only moves forward from here, so an entry the alarm purges has expired here too.
      // Whole seconds: freq_ctr ticks are even (bit 0 is HAProxy's lock bit), so an odd start
      // would shift rate readings by one millisecond's worth.
      t = Math.ceil(Date.now() / 1000) * 1000
    })

    /** The operations of the engine over one harness. */
    const ops = (h: StickHarness, spec: StickTableSpec) => {
      const view = () => {
        const v = h.store.table(spec.name)
        if (!v) throw new Error(`no table ${spec.name}`)
        return v
      }
      return {
        track: async (key: string): Promise<StickEntry | undefined> => h.store.track(spec.name, key, [{ op: 'request' }]),
        read: (e: StickEntry, type: string): number | undefined => view().read(e, type, now()),
        write: (e: StickEntry, w: readonly StickOp[]): void => {
          view().apply(e, w, now())
          h.store.ship?.(spec.name, e.key, w)
        },
        stickStore: (key: string, serverId: number): void => {
          const e = view().touch(key, now())
          if (e) view().set(e, 'server_id', serverId)
          h.store.ship?.(spec.name, key, [{ op: 'set', data: 'server_id', value: serverId }])
        },
        stickMatch: async (key: string): Promise<number | undefined> => {
          await h.store.load?.(spec.name, key)
          const e = view().peek(key, now())
          return e ? view().read(e, 'server_id', now()) : undefined
        },
      }
    }

    const must = (e: StickEntry | undefined): StickEntry => {
      if (!e) throw new Error('not tracked')
      return e
    }

    it('knows only its tables', async () => {
      const spec = table()
      const h = factory([spec], now)
      expect(h.store.table(spec.name)?.spec.name).toBe(spec.name)
      expect(h.store.table('nope')).toBeUndefined()
      expect(await h.store.track('nope', 'k', [{ op: 'request' }])).toBeUndefined()
    })

    it('counts each tracked request: http_req_cnt, conn_cnt, sess_cnt, http_req_rate; keys apart', async () => {
      const spec = table()
      const h = factory([spec], now)
      const o = ops(h, spec)
      let e: StickEntry | undefined
      for (let i = 0; i < 5; i++) {
        e = await o.track('10.0.0.1')
        t += 100
      }
      const a = must(e)
      expect(['http_req_cnt', 'conn_cnt', 'sess_cnt', 'http_req_rate'].map((x) => o.read(a, x))).toEqual([5, 5, 5, 5])
      const b = must(await o.track('10.0.0.2'))
      expect(o.read(b, 'http_req_cnt')).toBe(1)
      expect(o.read(must(await o.track('10.0.0.1')), 'http_req_cnt')).toBe(6)
    })

    it('rates are freq_ctr sliding windows read at the clock', async () => {
      const spec = table()
      const h = factory([spec], now)
      const o = ops(h, spec)
      for (let i = 0; i < 4; i++) await o.track('k')
      t += 12_500
      const e = must(await o.track('k'))
      // freq_ctr: previous period 4 × (10000 − 2500) / 10000 + current 1 = 4
      expect(o.read(e, 'http_req_rate')).toBe(4)
      t += 5_000
      expect(o.read(e, 'http_req_rate')).toBe(2)
      t += 20_000
      expect(o.read(e, 'http_req_rate')).toBe(0)
      // The counter is not a rate: it does not decay.
      expect(o.read(e, 'http_req_cnt')).toBe(5)
    })

    it('conn_cur: +1 per tracked request, −1 at its end, never below 0', async () => {
      const spec = table()
      const h = factory([spec], now)
      const o = ops(h, spec)
      await o.track('k')
      const e = must(await o.track('k'))
      expect(o.read(e, 'conn_cur')).toBe(2)
      o.write(e, [{ op: 'end' }])
      await h.settle()
      expect(o.read(e, 'conn_cur')).toBe(1)
      const again = must(await o.track('k'))
      expect(o.read(again, 'conn_cur')).toBe(2)
      o.write(again, [{ op: 'end' }])
      o.write(again, [{ op: 'end' }])
      o.write(again, [{ op: 'end' }])
      await h.settle()
      expect(o.read(must(await o.track('k')), 'conn_cur')).toBe(1)
    })

    it('gpc0/gpc1 increments (and gpc0_rate), gpt0 set: written, shipped, seen by the next track', async () => {
      const spec = table()
      const h = factory([spec], now)
      const o = ops(h, spec)
      const e = must(await o.track('k'))
      o.write(e, [{ op: 'inc', data: 'gpc0' }])
      o.write(e, [{ op: 'inc', data: 'gpc0' }])
      o.write(e, [{ op: 'inc', data: 'gpc1', n: 3 }])
      o.write(e, [{ op: 'set', data: 'gpt0', value: 42 }])
      expect([o.read(e, 'gpc0'), o.read(e, 'gpc0_rate'), o.read(e, 'gpc1'), o.read(e, 'gpt0')]).toEqual([2, 2, 3, 42])
      await h.settle()
      t += 1_000
      const next = must(await o.track('k'))
      expect([o.read(next, 'gpc0'), o.read(next, 'gpc0_rate'), o.read(next, 'gpc1'), o.read(next, 'gpt0'), o.read(next, 'http_req_cnt')]).toEqual([2, 2, 3, 42, 2])
    })

    it('the end of a response counts http_err and bytes_out', async () => {
      const spec = table()
      const h = factory([spec], now)
      const o = ops(h, spec)
      const e = must(await o.track('k'))
      o.write(e, [{ op: 'count', data: 'http_err', n: 1 }])
      o.write(e, [{ op: 'count', data: 'bytes_out', n: 1500 }, { op: 'end' }])
      await h.settle()
      const next = must(await o.track('k'))
      expect([o.read(next, 'http_err_cnt'), o.read(next, 'http_err_rate'), o.read(next, 'bytes_out_cnt'), o.read(next, 'conn_cur')]).toEqual([1, 1, 1500, 1])
    })

    it('data types the table does not store read undefined and are not written', async () => {
      const spec = table({ store: [{ type: 'http_req_cnt' }] })
      const h = factory([spec], now)
      const o = ops(h, spec)
      const e = must(await o.track('k'))
      o.write(e, [
        { op: 'inc', data: 'gpc0' },
        { op: 'set', data: 'gpt0', value: 3 },
      ])
      await h.settle()
      const next = must(await o.track('k'))
      expect([o.read(next, 'http_req_cnt'), o.read(next, 'gpc0'), o.read(next, 'gpt0'), o.read(next, 'conn_cur'), o.read(next, 'http_req_rate')]).toEqual([
        2,
        undefined,
        undefined,
        undefined,
        undefined,
      ])
    })

    it('entries expire `expire` after their last touch; a new track starts from zero', async () => {
      const spec = table()
      const h = factory([spec], now)
      const o = ops(h, spec)
      o.write(must(await o.track('k')), [{ op: 'inc', data: 'gpc0' }])
      await h.settle()
      t += EXPIRE - 1
      // Still there, and refreshed by this touch.
      expect(o.read(must(await o.track('k')), 'http_req_cnt')).toBe(2)
      t += EXPIRE - 1
      expect(o.read(must(await o.track('k')), 'http_req_cnt')).toBe(3)
      t += EXPIRE
      const fresh = must(await o.track('k'))
      expect([o.read(fresh, 'http_req_cnt'), o.read(fresh, 'gpc0'), o.read(fresh, 'conn_cur')]).toEqual([1, 0, 1])
    })

    it('stick store / stick match: the server id is kept per key, refreshed, and expires', async () => {
      const spec = table()
      const h = factory([spec], now)
      const o = ops(h, spec)
      o.stickStore('alice', 3)
      o.stickStore('bob', 5)
      await h.settle()
      expect([await o.stickMatch('alice'), await o.stickMatch('bob'), await o.stickMatch('carol')]).toEqual([3, 5, undefined])
      o.stickStore('alice', 4)
      await h.settle()
      t += EXPIRE - 1
      expect(await o.stickMatch('alice')).toBe(4)
      // A stick match hit refreshes the entry (touch + an empty ship).
      const view = h.store.table(spec.name)
      view?.touch('alice', now())
      h.store.ship?.(spec.name, 'alice', [])
      await h.settle()
      t += EXPIRE - 1
      expect([await o.stickMatch('alice'), await o.stickMatch('bob')]).toEqual([4, undefined])
    })

    it('size: the least recently used entry makes room for a new one', async () => {
      const spec = table({ size: 3 })
      const h = factory([spec], now)
      const o = ops(h, spec)
      for (const k of ['a', 'b', 'c', 'a', 'd']) {
        await o.track(k)
        t += 1
      }
      // b was the least recently used when d came in.
      expect(await o.stickMatch('b')).toBeUndefined()
      const counts: (number | undefined)[] = []
      for (const k of ['a', 'c', 'd', 'b']) counts.push(o.read(must(await o.track(k)), 'http_req_cnt'))
      expect(counts).toEqual([3, 2, 2, 1])
    })

    it('nopurge: a full table refuses new keys and keeps counting the ones it has', async () => {
      const spec = table({ size: 2, nopurge: true })
      const h = factory([spec], now)
      const o = ops(h, spec)
      await o.track('a')
      await o.track('b')
      expect(await o.track('c')).toBeUndefined()
      expect(o.read(must(await o.track('a')), 'http_req_cnt')).toBe(2)
      expect(await o.track('c')).toBeUndefined()
      // Once an entry expires, there is room again.
      t += EXPIRE
      expect(o.read(must(await o.track('c')), 'http_req_cnt')).toBe(1)
    })
  })
}

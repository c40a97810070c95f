/**
 * The runtime API's table access over the StickTable Durable Objects in workerd: dump(),
 * clear() and setData() on each shard, and durableTableAccess fanning out to every shard of a
 * table (3 shards for 120k entries), driven through `set/show/clear table` commands.
 */
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import type { ApiContext } from '../../src/api/context.ts'
import { runCommands } from '../../src/api/run.ts'
import { durableTableAccess } from '../../durable-objects/table-access.ts'
import { compileConfig } from '../../src/config/compile.ts'
import { readFreqCtr } from '../../src/state/freq-ctr.ts'
import { type ShardSpec, shardOf } from '../../src/state/stick-shard.ts'

const SPEC: ShardSpec = { name: 'adm', size: 1000, expireMs: 30_000, nopurge: false, store: [{ type: 'gpc0' }, { type: 'http_req_rate', periodMs: 10_000 }] }

const CONFIG = `defaults
  mode http
frontend big
  bind :80
  stick-table type ip size 120k expire 60s store gpc0,http_req_cnt,http_req_rate(10s)
  default_backend be
backend be
  server s1 192.0.2.1:80
`

describe('StickTable admin RPC (workerd)', () => {
  it('setData creates and writes counters and rates; dump lists live entries; clear removes them', async () => {
    const stub = env.STICK.getByName('adm:0')
    const t0 = Date.now()
    const e = await stub.setData(SPEC, 'k1', t0, { gpc0: 5, http_req_rate: 7 })
    expect(e?.counters.gpc0).toBe(5)
    const f = e?.rates.http_req_rate
    if (!f) throw new Error('no rate')
    expect(readFreqCtr(f, 10_000, t0 + 100)).toBe(7)
    await stub.track(SPEC, 'k0', t0, [{ op: 'request' }])
    expect((await stub.dump(t0 + 1)).map((x) => x.key)).toEqual(['k0', 'k1'])
    expect(await stub.clear('nope')).toBe(0)
    expect(await stub.clear('k1')).toBe(1)
    expect(await stub.size(t0 + 1)).toBe(1)
    expect(await stub.clear()).toBe(1)
    expect(await stub.dump(t0 + 1)).toEqual([])
  })

  it('durableTableAccess fans out to every shard; the table commands run over it', async () => {
    const r = compileConfig([{ name: 'big.cfg', text: CONFIG }])
    if (!r.routeMap) throw new Error(r.diagnostics.map((d) => d.message).join('\n'))
    const routeMap = r.routeMap
    const tables = durableTableAccess(env.STICK, routeMap)
    const keys = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5', '10.0.0.6']
    const spec = routeMap.frontends[0]?.stickTable
    if (!spec) throw new Error('no table')
    expect(new Set(keys.map((k) => shardOf(spec, k))).size).toBeGreaterThan(1)
    const ctx: ApiContext = {
      routeMap,
      level: 'admin',
      tables,
      stats: () => Promise.reject(new Error('unused')),
      admin: () => undefined,
      setAdmin: () => Promise.resolve(),
      clearCounters: () => Promise.resolve(),
      patterns: { get: () => undefined, put: () => Promise.resolve() },
    }
    expect(await runCommands(keys.map((k, i) => `set table big key ${k} data.gpc0 ${i}`).join('\n'), ctx)).toBe('\n'.repeat(keys.length))
    expect(await tables.used('big')).toBe(6)
    const shown = await runCommands('show table big data.gpc0 ge 3\n', ctx)
    const lines = shown.split('\n')
    expect(lines[0]).toBe('# table: big, type: ip, size:122880, used:6')
    expect(lines.slice(1, -2).map((l) => / key=(\S+) .* shard=(\d+) gpc0=(\d+)/.exec(l)?.slice(1))).toEqual(keys.slice(3).map((k, i) => [k, String(shardOf(spec, k)), String(i + 3)]))
    expect(await runCommands('clear table big key 10.0.0.1\nclear table big data.gpc0 lt 3\n', ctx)).toBe('\n\n')
    expect(await tables.used('big')).toBe(3)
    expect(await tables.clear('big')).toBe(3)
    expect(await tables.dump('big')).toEqual([])
  })
})

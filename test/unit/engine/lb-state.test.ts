/**
 * The engine keeps each backend's balancer across state changes: an admin command (through the
 * withAdmin overlay and the states' version) reaches it as a server going down or up, and the
 * roundrobin sequence carries on as HAProxy 2.6's does (measured: see
 * test/unit/balance/measured-state-changes.test.ts) instead of restarting.
 */
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine } from '../../../src/engine/index.ts'
import type { BalancerStore, ServerStates } from '../../../src/engine/server-select.ts'
import { withServerOverrides } from '../../../src/ops/effective.ts'
import { withAdmin } from '../../../src/ops/admin-states.ts'
import type { AdminServer } from '../../../src/ops/types.ts'
import { httpConfig } from '../../helpers/cfg.ts'

function setup(balance: string) {
  const r = compileConfig([{ name: 't.cfg', text: httpConfig('', `balance ${balance}\nserver s1 192.0.2.1:80 weight 3\nserver s2 192.0.2.2:80 weight 2\nserver s3 192.0.2.3:80 weight 1`) }])
  if (!r.routeMap) throw new Error('config does not compile')
  const admin: Record<string, AdminServer> = {}
  let version = 0
  const base: ServerStates = { isUp: () => true, isUsable: () => true, version: () => 0 }
  const engine = createEngine(r.routeMap, {
    states: withAdmin(
      base,
      (b, s) => admin[`${b}/${s}`],
      () => version,
    ),
  })
  const set = (server: string, a: AdminServer | undefined) => {
    if (a) admin[`be/${server}`] = a
    else delete admin[`be/${server}`]
    version++
  }
  const serve = async (n: number): Promise<string> => {
    const out: string[] = []
    for (let i = 0; i < n; i++) {
      const d = await engine.decide({ method: 'GET', url: 'http://x/', headers: [], src: '192.0.2.9' })
      out.push(d.kind === 'forward' ? d.server.name.slice(1) : '-')
    }
    return out.join(' ')
  }
  return { set, serve }
}

describe('balancers across state changes (engine)', () => {
  it('roundrobin 3/2/1: s1 maint, then ready, carries on as HAProxy', async () => {
    const { set, serve } = setup('roundrobin')
    const runs = [await serve(7)]
    set('s1', { state: 'maint', changedAt: 0 })
    runs.push(await serve(8))
    set('s1', undefined)
    runs.push(await serve(12))
    expect(runs.join(' | ')).toBe('1 2 1 3 1 2 1 | 2 2 3 2 2 3 2 2 | 3 1 2 1 2 1 3 1 2 1 2 1')
  })

  it('roundrobin 3/2/1: a server in maint before the first request starts from the configured set', async () => {
    const { set, serve } = setup('roundrobin')
    set('s1', { state: 'maint', changedAt: 0 })
    const runs = [await serve(8)]
    set('s1', undefined)
    runs.push(await serve(12))
    expect(runs.join(' | ')).toBe('2 2 3 2 2 3 2 2 | 3 1 2 1 2 1 3 1 2 1 2 1')
  })

  it('roundrobin 3/2/1: weight changes through the overlay', async () => {
    const { set, serve } = setup('roundrobin')
    const runs = [await serve(4)]
    set('s2', { state: 'maint', changedAt: 0 })
    runs.push(await serve(5))
    set('s3', { weight: 4, changedAt: 0 })
    runs.push(await serve(6))
    set('s2', undefined)
    runs.push(await serve(10))
    set('s1', { weight: 1, changedAt: 0 })
    runs.push(await serve(8))
    expect(runs.join(' | ')).toBe('1 2 1 3 | 1 1 1 1 1 | 3 1 3 1 3 3 | 1 3 1 3 2 1 3 2 3 1 | 3 1 3 2 3 3 2 3')
  })

  it('leastconn 1/1/1 keeps its order among equals across maint and ready', async () => {
    const { set, serve } = setup('leastconn')
    const runs = [await serve(4)]
    set('s2', { state: 'maint', changedAt: 0 })
    runs.push(await serve(4))
    set('s2', undefined)
    runs.push(await serve(6))
    // Weights 3/2/1 do not matter while every server is idle (one request at a time).
    expect(runs.join(' | ')).toBe('1 2 3 1 | 3 1 3 1 | 3 1 2 3 1 2')
  })

  it('an engine rebuilt for a runtime edit of the same RouteMap (an address change) carries on with the same balancers', async () => {
    const r = compileConfig([{ name: 't.cfg', text: httpConfig('', 'balance roundrobin\nserver s1 192.0.2.1:80 weight 3\nserver s2 192.0.2.2:80 weight 2\nserver s3 192.0.2.3:80 weight 1') }])
    if (!r.routeMap) throw new Error('config does not compile')
    const balancers: BalancerStore = new Map()
    const serve = async (e: ReturnType<typeof createEngine>, n: number): Promise<string> => {
      const out: string[] = []
      for (let i = 0; i < n; i++) {
        const d = await e.decide({ method: 'GET', url: 'http://x/', headers: [], src: '192.0.2.9' })
        out.push(d.kind === 'forward' ? d.server.name.slice(1) : '-')
      }
      return out.join(' ')
    }
    const first = await serve(createEngine(r.routeMap, { balancers }), 4)
    const moved = withServerOverrides(r.routeMap, { 'be/s2': { addr: '192.0.2.22', changedAt: 0 } })
    const second = createEngine(moved, { balancers })
    expect(`${first} | ${await serve(second, 8)}`).toBe('1 2 1 3 | 1 2 1 2 1 3 1 2')
    // Without the store the new engine starts over.
    expect(await serve(createEngine(moved), 4)).toBe('1 2 1 3')
  })
})

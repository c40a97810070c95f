/**
 * A fresh isolate's first requests (src/worker/fetch.ts): before its first decision it waits once
 * for its backends' health snapshots, so a server the HealthMonitor already marked DOWN is never
 * chosen because this isolate has not heard of it yet (HAProxy, running all along, knows it).
 */
import { createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../src/config/compile.ts'
import type { HealthPlan } from '../../src/health/plan.ts'
import { healthPlans } from '../../src/health/plan.ts'
import type { HealthSnapshot } from '../../src/health/snapshot.ts'
import worker from '../../src/index.ts'

const CONFIG = `
defaults
  mode http
  timeout connect 500ms
  timeout check 300ms
  timeout client 5s
  timeout server 5s
frontend fe
  bind :80
  default_backend cold_be
backend cold_be
  balance roundrobin
  option httpchk GET /health
  server c1 cold1.test:8080 check inter 2s fall 2 rise 2
  server c2 cold2.test:8080 check inter 2s fall 2 rise 2
`

describe('a cold isolate', () => {
  it('sends its very first requests around a server its monitor has marked DOWN', async () => {
    const r = compileConfig([{ name: 'cold.cfg', text: CONFIG }])
    if (!r.routeMap) throw new Error('config does not compile')
    const plan = healthPlans(r.routeMap).find((p) => p.backend === 'cold_be') as HealthPlan
    // c1 (roundrobin's first pick) fails its checks; its monitor marks it DOWN after fall 2 (two alarms).
    await fetch('http://origins.control/?host=cold1.test&status=503')
    // The backend's monitor group (no health-location: `group:default`).
    const stub = env.HEALTH.getByName('group:default')
    await stub.configure(plan)
    await runDurableObjectAlarm(stub)
    await runDurableObjectAlarm(stub)
    const snap = (await stub.snapshot('cold_be')) as HealthSnapshot | undefined
    expect(snap?.servers.c1?.up).toBe(false)

    // A new isolate (this RouteMap text has not been seen in this test Worker): its first requests.
    const workerEnv = { EDGEPROXY_ROUTEMAP: JSON.stringify(r.routeMap), HEALTH: env.HEALTH }
    const hosts: string[] = []
    for (let i = 0; i < 4; i++) {
      const ctx = createExecutionContext()
      const res = await worker.fetch(new Request('http://lb.test/'), workerEnv, ctx)
      hosts.push(((await res.json()) as { host: string }).host)
      await waitOnExecutionContext(ctx)
    }
    expect(hosts).toEqual(['cold2.test:8080', 'cold2.test:8080', 'cold2.test:8080', 'cold2.test:8080'])
    await fetch('http://origins.control/?host=cold1.test')
  })
})

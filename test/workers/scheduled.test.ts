/**
 * The production Worker's scheduled() handler (the cron watchdog) in workerd: it installs each
 * checked backend's plan in its HealthMonitor and arms the alarm, so checks run without traffic.
 */
import { createExecutionContext, createScheduledController, runDurableObjectAlarm, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../src/config/compile.ts'
import type { HealthSnapshot } from '../../src/health/snapshot.ts'
import worker from '../../src/index.ts'

const CONFIG = `
defaults
  mode http
  timeout connect 200ms
  timeout check 300ms
  timeout client 5s
  timeout server 5s
frontend fe
  bind :80
  default_backend cron_be
backend cron_be
  option httpchk GET /health
  server c1 cron1.test:8080 check inter 2s fall 2 rise 2
backend unchecked
  server u1 unchecked.test:8080
`

describe('scheduled(): the cron watchdog', () => {
  it('configures the monitor group of the checked backends and arms its alarm', async () => {
    const r = compileConfig([{ name: 'cron.cfg', text: CONFIG }])
    if (!r.routeMap) throw new Error('config does not compile')
    const workerEnv = { EDGEPROXY_ROUTEMAP: JSON.stringify(r.routeMap), HEALTH: env.HEALTH }
    const ctx = createExecutionContext()
    await worker.scheduled(createScheduledController({ cron: '* * * * *', scheduledTime: Date.now() }), workerEnv, ctx)
    await waitOnExecutionContext(ctx)
    // The backend's monitor group (no health-location: `group:default`).
    const stub = env.HEALTH.getByName('group:default')
    const snap = (await stub.snapshot('cron_be')) as HealthSnapshot | undefined
    expect(snap?.backend).toBe('cron_be')
    expect(snap?.routeMapHash).toBe(r.routeMap.hash)
    expect(Object.keys(snap?.servers ?? {})).toEqual(['c1'])
    // The alarm is armed: running it performs a check (the pool's outbound origin answers 200).
    expect(await runDurableObjectAlarm(stub)).toBe(true)
    const after = (await stub.snapshot('cron_be')) as HealthSnapshot | undefined
    expect(after?.servers.c1?.checkStatus).toBe('L7OK')
    // A backend without checks gets no monitor plan.
    expect(await stub.snapshot('unchecked')).toBeUndefined()
  })
})

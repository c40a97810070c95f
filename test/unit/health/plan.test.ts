import { describe, expect, it } from 'vitest'
import { checkTimeouts, healthPlans } from '../../../src/health/plan.ts'
import { cfg, fixture, routeMapOf as routeMap } from '../../helpers/cfg.ts'

describe('check plans from the seed health config (test/fixtures/seed/03-health.cfg)', () => {
  const map = routeMap(fixture('seed/03-health.cfg'))
  const plans = healthPlans(map)

  it('one plan per backend with checked servers', () => {
    expect(plans.map((p) => p.backend)).toEqual(['api_servers', 'db_tcp'])
    expect(plans.every((p) => p.routeMapHash === map.hash)).toBe(true)
  })

  it('api_servers: the http-check send request, rstatus expect, default-server timing, slowstart, backup', () => {
    const p = plans[0]
    expect(p?.probe).toEqual({
      type: 'http',
      http: {
        method: 'GET',
        uri: '/health/ready',
        version: 'HTTP/1.1',
        headers: [['host', 'api.example.com']],
        expect: { kind: 'rstatus', negate: false, pattern: '^2[0-9]{2}' },
        disableOn404: false,
        sendState: false,
        phases: [
          {
            connect: { ssl: 'server' },
            request: { method: 'GET', uri: '/health/ready', version: 'HTTP/1.1', headers: [['host', 'api.example.com']] },
            expects: [{ kind: 'rstatus', negate: false, pattern: '^2[0-9]{2}' }],
          },
        ],
      },
    })
    expect(p?.dynamicWeights).toBe(true)
    expect(p?.servers.map((s) => [s.name, s.address, s.port, s.interMs, s.rise, s.fall, s.slowstartMs, s.backup])).toEqual([
      ['api1', '10.0.2.10', 8080, 3000, 2, 3, 30_000, false],
      ['api2', '10.0.2.11', 8080, 3000, 2, 3, 30_000, false],
      ['api3', '10.0.2.12', 8080, 3000, 2, 3, 30_000, true],
    ])
    // No `timeout check`: inter bounds the whole check.
    expect(p?.servers[0]?.timeouts).toEqual({ connectMs: 3000, totalMs: 3000 })
    expect(p?.servers[0]).toMatchObject({ onError: 'fail-check', errorLimit: 10, disabled: false, weight: 1, ssl: false })
  })

  it('db_tcp: mysql-check user haproxy (post-41 by default)', () => {
    const p = plans[1]
    expect(p?.probe).toEqual({ type: 'mysql', user: 'haproxy', variant: 'post-41' })
    expect(p?.servers.map((s) => `${s.name}@${s.address}:${s.port}`)).toEqual(['db1@10.0.3.10:3306', 'db2@10.0.3.11:3306'])
  })
})

describe('check plans', () => {
  it('plain `check`: a TCP connect; only servers with `check`; addr/port override the target', () => {
    const map = routeMap(cfg`
      defaults
        mode http
        timeout connect 5s
        timeout client 5s
        timeout server 5s
      backend be
        balance static-rr
        server a 192.0.2.1:80 check addr 192.0.2.100 port 8081 inter 1s fastinter 200ms downinter 10s rise 3 fall 5
        server b 192.0.2.2:80
        server c 192.0.2.3:80 check disabled weight 7
    `)
    const [p] = healthPlans(map)
    expect(p?.probe).toEqual({ type: 'connect' })
    expect(p?.dynamicWeights).toBe(false)
    expect(p?.servers.map((s) => s.name)).toEqual(['a', 'c'])
    expect(p?.servers[0]).toMatchObject({ address: '192.0.2.100', port: 8081, interMs: 1000, fastinterMs: 200, downinterMs: 10_000, rise: 3, fall: 5 })
    expect(p?.servers[1]).toMatchObject({ disabled: true, weight: 7 })
  })

  it('no plan for a backend without checked servers', () => {
    const map = routeMap(cfg`
      defaults
        mode http
        timeout connect 5s
        timeout client 5s
        timeout server 5s
      backend be
        server b 192.0.2.2:80
    `)
    expect(healthPlans(map)).toEqual([])
  })

  it('timeout check: connect limited by min(timeout connect, inter), then timeout check for the rest', () => {
    expect(checkTimeouts(2000, { connect: 5000, check: 1500 })).toEqual({ connectMs: 2000, readMs: 1500, totalMs: 3500 })
    expect(checkTimeouts(10_000, { connect: 3000, check: 1500 })).toEqual({ connectMs: 3000, readMs: 1500, totalMs: 4500 })
    expect(checkTimeouts(2000, { connect: 5000 })).toEqual({ connectMs: 2000, totalMs: 2000 })
    expect(checkTimeouts(2000, { check: 700 })).toEqual({ connectMs: 2000, readMs: 700, totalMs: 2700 })
  })

  it('tcp-check rules, redis-check, mysql variants, observe/on-error, spread-checks, consistent hashing', () => {
    const map = routeMap(cfg`
      global
        spread-checks 5
      defaults
        mode tcp
        timeout connect 5s
        timeout client 5s
        timeout server 5s
        timeout check 2s
      backend t
        option tcp-check
        tcp-check send PING\\r\\n
        tcp-check expect string +PONG
        server t1 192.0.2.1:6379 check observe layer4 on-error mark-down error-limit 3
      backend r
        balance source
        hash-type consistent
        option redis-check
        server r1 192.0.2.2:6379 check
      backend m
        option mysql-check user probe post-80
        server m1 192.0.2.3:3306 check
      backend e
        option tcp-check
        server e1 192.0.2.4:22 check
    `)
    const byName = Object.fromEntries(healthPlans(map).map((p) => [p.backend, p]))
    expect(byName.t?.probe).toEqual({
      type: 'tcp-check',
      steps: [
        { step: 'send', data: 'PING\r\n', binary: false },
        { step: 'expect', kind: 'string', negate: false, pattern: '+PONG' },
      ],
    })
    expect(byName.t?.servers[0]).toMatchObject({ observe: 'layer4', onError: 'mark-down', errorLimit: 3, timeouts: { connectMs: 2000, readMs: 2000, totalMs: 4000 } })
    expect(byName.t?.spreadChecks).toBe(5)
    expect(byName.r?.probe).toEqual({ type: 'redis' })
    expect(byName.r?.dynamicWeights).toBe(true)
    expect(byName.m?.probe).toEqual({ type: 'mysql', user: 'probe', variant: 'post-80' })
    expect(byName.e?.probe).toEqual({ type: 'connect' })
  })
})

import { afterEach, describe, expect, it, vi } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { type CheckTimeouts, healthPlans } from '../../../src/health/plan.ts'
import type { RouteMap } from '../../../src/routemap/schema.ts'
import { DEFAULT_HTTP_EXPECT, type ProbeSpec } from '../../../src/health/probe-spec.ts'
import { runProbe } from '../../../src/health/probes/index.ts'
import type { ProbeIo, ProbeTarget } from '../../../src/health/probes/types.ts'
import { EdgeRefusal } from '../../../src/proxy/edge-error.ts'
import { checkEgress, productionConnect } from '../../../src/worker/egress.ts'
import { fakeNet, probeIo } from './fakes.ts'

/** Health checks at the edge: what only a VPC network reaches is checked over fetch(); Cloudflare's error 1003 fails a check. Fakes only. */

const compile = (text: string) => compileConfig([{ name: 't.cfg', text }])

const FAST: CheckTimeouts = { connectMs: 100, totalMs: 100 }

function target(address: string, port: number, extra: Partial<ProbeTarget> = {}): ProbeTarget {
  return { backend: 'be', server: 's1', address, port, ssl: false, timeouts: FAST, ...extra }
}

const HTTPCHK: ProbeSpec = {
  type: 'http',
  http: { method: 'GET', uri: '/health', version: 'HTTP/1.1', headers: [], expect: DEFAULT_HTTP_EXPECT, disableOn404: false, sendState: false },
}

describe('a plain check of an address only the VPC network reaches', () => {
  function io(answer: () => Promise<Response>, overFetch: boolean): { io: ProbeIo; urls: string[]; net: ReturnType<typeof fakeNet> } {
    const urls: string[] = []
    const net = fakeNet({ '10.0.1.10': {} })
    const base = probeIo(net, async (r) => {
      urls.push(`${r.method} ${r.url}`)
      return answer()
    })
    return { io: overFetch ? { ...base, l4OverFetch: (h) => h === '10.0.1.10' } : base, urls, net }
  }

  it('is one OPTIONS request over fetch(): any answer passes at layer 4 (layer 6 with ssl), no connect()', async () => {
    const t = io(async () => new Response('', { status: 404 }), true)
    expect(await runProbe({ type: 'connect' }, target('10.0.1.10', 3000), t.io)).toMatchObject({ status: 'L4OK' })
    expect(await runProbe({ type: 'connect' }, target('10.0.1.10', 3443, { ssl: true }), t.io)).toMatchObject({ status: 'L6OK' })
    expect(t.urls).toEqual(['OPTIONS http://10.0.1.10:3000/', 'OPTIONS https://10.0.1.10:3443/'])
    expect(t.net.attempts).toEqual([])
  })

  it('a failed fetch is L4CON, no answer in time L4TOUT', async () => {
    const refused = io(() => Promise.reject(new EdgeRefusal('1003')), true)
    expect(await runProbe({ type: 'connect' }, target('10.0.1.10', 3000), refused.io)).toMatchObject({ status: 'L4CON', info: 'Cloudflare refused the subrequest (error code: 1003)' })
    const hung = io(() => new Promise(() => {}), true)
    expect(await runProbe({ type: 'connect' }, target('10.0.1.10', 3000), hung.io)).toMatchObject({ status: 'L4TOUT' })
  })

  it('without a VPC network it stays a connect()', async () => {
    const t = io(async () => new Response(''), false)
    expect(await runProbe({ type: 'connect' }, target('10.0.1.10', 3000), t.io)).toMatchObject({ status: 'L4OK' })
    expect(t.urls).toEqual([])
    expect(t.net.attempts).toHaveLength(1)
  })
})

describe("the checks' egress (checkEgress)", () => {
  afterEach(() => {
    vi.unstubAllGlobals()
  })

  const page1003 = () => new Response('error code: 1003', { status: 403, headers: { server: 'cloudflare', 'content-type': 'text/plain; charset=UTF-8', 'content-length': '16' } })

  it("turns Cloudflare's error 1003 into a failed connection: an HTTP check is L4CON, not L7STS 403", async () => {
    vi.stubGlobal('fetch', async () => page1003())
    const e = checkEgress(undefined)
    expect(e.l4OverFetch).toBeUndefined()
    const io: ProbeIo = { ...probeIo(fakeNet({})), fetch: e.fetch }
    expect(await runProbe(HTTPCHK, target('203.0.113.5', 80), io)).toMatchObject({ status: 'L4CON', info: 'Cloudflare refused the subrequest (error code: 1003)' })
  })

  it('keeps an origin 403 an HTTP answer', async () => {
    vi.stubGlobal('fetch', async () => new Response('Forbidden', { status: 403, headers: { server: 'cloudflare', 'content-type': 'text/plain' } }))
    const io: ProbeIo = { ...probeIo(fakeNet({})), fetch: checkEgress(undefined).fetch }
    expect(await runProbe(HTTPCHK, target('app.example.com', 80), io)).toMatchObject({ status: 'L7STS', code: 403 })
  })

  it('sends addresses through the VPC network and hostnames through fetch()', async () => {
    const via: string[] = []
    vi.stubGlobal('fetch', async (r: Request) => {
      via.push(`fetch ${new URL(r.url).hostname}`)
      return new Response('ok')
    })
    const vpc = {
      fetch: async (r: Request | string) => {
        via.push(`vpc ${new URL(typeof r === 'string' ? r : r.url).hostname}`)
        return new Response('ok')
      },
    }
    const e = checkEgress(vpc)
    const io: ProbeIo = { ...probeIo(fakeNet({})), ...e }
    for (const host of ['10.0.1.10', 'app.example.com', '127.0.0.1', '2001:db8::1']) expect((await runProbe(HTTPCHK, target(host, 80), io)).status).toBe('L7OK')
    expect(via).toEqual(['vpc 10.0.1.10', 'fetch app.example.com', 'vpc 127.0.0.1', 'vpc [2001:db8::1]'])
    expect([e.l4OverFetch?.('10.0.1.10'), e.l4OverFetch?.('app.example.com')]).toEqual([true, false])
  })
})

describe('health-location: where a backend is checked from', () => {
  const text = (hint: string) =>
    `defaults\n  mode http\nbackend be\n  health-location ${hint}\n  option httpchk\n  server s app.example.com:80 check\nbackend other\n  server t app.example.com:80 check\n`

  it("becomes the HealthMonitor's locationHint; a backend without it has none", () => {
    const r = compile(text('enam'))
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    const plans = healthPlans(r.routeMap as RouteMap)
    expect(plans.map((p) => [p.backend, p.locationHint])).toEqual([
      ['be', 'enam'],
      ['other', undefined],
    ])
  })

  it('refuses an unknown hint, naming the valid ones', () => {
    const d = compile(text('eunam')).diagnostics.find((x) => x.severity === 'error')
    expect(d).toMatchObject({ code: 'invalid-argument', span: { line: 4, column: 19 } })
    expect(d?.message).toBe("'health-location' : unknown location hint 'eunam' (expects one of wnam, enam, sam, weur, eeur, apac, oc, afr, me)")
    expect(d?.help).toBe("did you mean 'enam'?")
  })
})

describe('health-regions: checks from several regions', () => {
  const text = (line: string) => `defaults\n  mode http\nbackend be\n  ${line}\n  option httpchk\n  server s app.example.com:80 check\n`
  const errors = (line: string) => compile(text(line)).diagnostics.filter((d) => d.severity === 'error')

  it('gives the plan its regions (lower-cased, in order); commas or spaces separate them', () => {
    for (const line of ['health-regions wnam,WEUR,apac', 'health-regions wnam weur,apac']) {
      const r = compile(text(line))
      expect(
        r.diagnostics.filter((d) => d.severity === 'error'),
        line,
      ).toEqual([])
      const [plan] = healthPlans(r.routeMap as RouteMap)
      expect(plan?.regions).toEqual(['wnam', 'weur', 'apac'])
      expect(plan?.locationHint).toBeUndefined()
    }
  })

  it('refuses an unknown hint at its own column, naming the valid ones and the closest', () => {
    const [d] = errors('health-regions wnam,eunam,apac')
    expect(d).toMatchObject({ code: 'invalid-argument', span: { line: 4, column: 23, length: 5 } })
    expect(d?.message).toBe("'health-regions' : unknown location hint 'eunam' (expects one of wnam, enam, sam, weur, eeur, apac, oc, afr, me)")
    expect(d?.help).toBe("did you mean 'enam'?")
  })

  it('refuses a region listed twice, an empty element and no argument', () => {
    expect(errors('health-regions wnam,weur,wnam')[0]).toMatchObject({ span: { line: 4, column: 28 }, message: "'health-regions' : region 'wnam' is listed twice" })
    expect(errors('health-regions wnam,,weur')[0]?.message).toBe("'health-regions' : empty location hint in the list")
    expect(errors('health-regions')[0]).toMatchObject({ code: 'missing-argument', span: { line: 4, column: 3 } })
  })

  it('cannot be combined with health-location, in either order', () => {
    const both = (a: string, b: string) => compile(`defaults\n  mode http\nbackend be\n  ${a}\n  ${b}\n  server s app.example.com:80 check\n`).diagnostics.filter((d) => d.severity === 'error')
    const [d1] = both('health-location weur', 'health-regions wnam,weur')
    expect(d1).toMatchObject({ span: { line: 5 }, message: "'health-regions' : this backend already has 'health-location'" })
    expect(d1?.help).toMatch(/keep one/)
    expect(both('health-regions wnam,weur', 'health-location weur')[0]).toMatchObject({ span: { line: 5 }, message: "'health-location' : this backend already has 'health-regions'" })
  })

  it('is ignored with a warning outside a backend, like health-location', () => {
    const r = compile('defaults\n  mode http\nfrontend f\n  bind :80\n  health-regions wnam\n')
    expect(r.diagnostics.find((d) => d.span.line === 5)).toMatchObject({ severity: 'warning', message: "'health-regions' ignored because frontend 'f' has no backend capability." })
  })
})

describe('connect() under edgeproxy dev --edge', () => {
  it('refuses what production refuses: Cloudflare ranges, private and loopback addresses, port 25', () => {
    const reached: string[] = []
    const fake = productionConnect((a) => {
      reached.push(`${a.hostname}:${a.port}`)
      return {} as never
    })
    const opts = { secureTransport: 'off' as const, allowHalfOpen: false }
    for (const host of ['104.16.1.1', '10.0.1.10', '127.0.0.1', '::1']) expect(() => fake({ hostname: host, port: 80 }, opts)).toThrow(/refused/)
    expect(() => fake({ hostname: 'mail.example.com', port: 25 }, opts)).toThrow(/port 25/)
    fake({ hostname: 'origin.example.com', port: 443 }, opts)
    fake({ hostname: '203.0.113.7', port: 80 }, opts)
    expect(reached).toEqual(['origin.example.com:443', '203.0.113.7:80'])
  })
})

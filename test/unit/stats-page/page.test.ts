import { describe, expect, it } from 'vitest'
import type { HealthSnapshot, ServerSnapshot } from '../../../src/health/snapshot.ts'
import { type AdminPatch, type AdminServer, type AggregatedCounters, zeroCounters } from '../../../src/ops/types.ts'
import type { StatsInput } from '../../../src/stats/input.ts'
import type { RouteMap, StatsSettings } from '../../../src/routemap/schema.ts'
import { STAT_COLUMNS_26, type StatRow } from '../../../src/stats/fields.ts'
import { checkBasicAuth, humanTime, parseStatsUrl, serverRowClass, statsPage } from '../../../src/stats/page.ts'
import { cfg, compile } from '../../helpers/cfg.ts'

const CONFIG = cfg`
  defaults
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s

  frontend fe
    bind :8080
    stats enable
    stats uri /stats
    stats refresh 2s
    stats auth admin:pw
    stats auth ops:s3cr:et
    stats admin if TRUE
    default_backend be

  backend be
    option httpchk GET /health
    server web1 192.0.2.1:80 check
    server web2 192.0.2.2:80 check
    server web3 192.0.2.3:80 check
    server web4 192.0.2.4:80
    server bk1 192.0.2.9:80 check backup

  backend other
    server o1 192.0.2.20:80
`

function routeMap(text = CONFIG): RouteMap {
  const r = compile(text)
  if (!r.routeMap) throw new Error(r.diagnostics.map((d) => d.message).join('\n'))
  return r.routeMap
}

function srvSnap(status: 'UP' | 'DOWN', extra: Partial<ServerSnapshot> = {}): ServerSnapshot {
  const up = status === 'UP'
  return {
    up,
    usable: up,
    status,
    state: up ? 'RUNNING' : 'STOPPED',
    checkStatus: up ? 'L7OK' : 'L4CON',
    checkDesc: up ? 'Layer7 check passed' : 'Layer4 connection problem',
    ...(up ? { checkCode: 200 } : {}),
    checkDurationMs: 1,
    lastCheck: 0,
    health: up ? 4 : 0,
    rise: 2,
    fall: 3,
    lastChange: 0,
    nextCheck: 0,
    effectiveWeightPct: up ? 100 : 0,
    failedChecks: up ? 0 : 3,
    downTransitions: up ? 0 : 1,
    hanaFailures: 0,
    ...extra,
  }
}

interface World {
  input: StatsInput
  admin: Map<string, AdminServer>
  applied: [string, string, AdminPatch][]
}

function world(rm: RouteMap = routeMap(), counters: Record<string, Partial<AggregatedCounters>> = {}): World {
  const admin = new Map<string, AdminServer>()
  const health: Record<string, HealthSnapshot> = {
    be: {
      backend: 'be',
      routeMapHash: rm.hash,
      generatedAt: 0,
      minInterMs: 2000,
      servers: { web1: srvSnap('UP'), web2: srvSnap('UP'), web3: srvSnap('DOWN'), bk1: srvSnap('UP') },
    },
  }
  const input: StatsInput = {
    routeMap: rm,
    now: 100_000,
    startedAt: 0,
    counters: (key) => {
      const c = counters[key]
      if (!c) return undefined
      return { ...zeroCounters(), rate: 0, rate_max: 0, req_rate: 0, req_rate_max: 0, conn_rate: 0, conn_rate_max: 0, ...c }
    },
    health: (b) => health[b],
    admin: (b, s) => admin.get(`${b}/${s}`),
    isolates: 1,
  }
  return { input, admin, applied: [] }
}

function settingsOf(rm: RouteMap): StatsSettings {
  const s = rm.frontends[0]?.stats
  if (!s) throw new Error('no stats settings')
  return s
}

const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`

async function call(w: World, path: string, init: RequestInit & { auth?: string | null; isAdmin?: boolean; hideVersion?: boolean } = {}): Promise<Response> {
  const rm = w.input.routeMap
  const headers = new Headers(init.headers)
  if (init.auth !== null) headers.set('authorization', init.auth ?? basic('admin', 'pw'))
  const req = new Request(`http://localhost:8080${path}`, { ...init, headers })
  return statsPage(req, settingsOf(rm), {
    input: async () => w.input,
    isAdmin: init.isAdmin ?? true,
    applyAdmin: async (b, s, p) => {
      w.applied.push([b, s, p])
      const cur = w.admin.get(`${b}/${s}`)
      const next: Record<string, unknown> = { ...cur, changedAt: w.input.now }
      for (const [k, v] of Object.entries(p)) {
        if (v === null) delete next[k]
        else next[k] = v
      }
      w.admin.set(`${b}/${s}`, next as unknown as AdminServer)
    },
    version: '0.1.0',
    ...(init.hideVersion ? { hideVersion: true } : {}),
  })
}

describe('stats page: authentication', () => {
  it('answers 401 with the realm and HAProxy 401 page without credentials', async () => {
    const w = world()
    const res = await call(w, '/stats', { auth: null })
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="HAProxy Statistics"')
    expect(res.headers.get('content-type')).toBe('text/html')
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expect(await res.text()).toBe('<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n')
  })

  it('rejects a wrong password, an unknown user and a malformed header', async () => {
    const w = world()
    for (const auth of [basic('admin', 'nope'), basic('root', 'pw'), basic('admin', 'pw '), 'Basic !!!', 'Bearer abc', `Basic ${Buffer.from('adminpw').toString('base64')}`]) {
      expect((await call(w, '/stats', { auth })).status).toBe(401)
    }
  })

  it('accepts every configured user, passwords containing colons, and a lower-case scheme', async () => {
    const w = world()
    expect((await call(w, '/stats', { auth: basic('admin', 'pw') })).status).toBe(200)
    expect((await call(w, '/stats', { auth: basic('ops', 's3cr:et') })).status).toBe(200)
    expect((await call(w, '/stats', { auth: `basic ${Buffer.from('admin:pw').toString('base64')}` })).status).toBe(200)
  })

  it('uses stats realm when set, and needs no credentials without stats auth', async () => {
    const rm = routeMap(CONFIG.replace('stats auth admin:pw', 'stats auth admin:pw\n    stats realm Edge\\ stats'))
    const w = world(rm)
    const res = await call(w, '/stats', { auth: null })
    expect(res.headers.get('www-authenticate')).toBe('Basic realm="Edge stats"')
    const open = world(routeMap(CONFIG.replace('stats auth admin:pw\n', '').replace('stats auth ops:s3cr:et\n', '')))
    expect((await call(open, '/stats', { auth: null })).status).toBe(200)
  })

  it('checkBasicAuth: first entry for a user decides', () => {
    const h = basic('u', 'b')
    expect(checkBasicAuth(h, ['u:a', 'u:b'])).toBe(false)
    expect(checkBasicAuth(h, ['x:y', 'u:b'])).toBe(true)
    expect(checkBasicAuth(null, [])).toBe(true)
  })

  it('checkBasicAuth reads the header as http_auth does (HAProxy checks stats auth with it)', () => {
    const b64 = (s: string): string => Buffer.from(s).toString('base64')
    // UTF-8 names and passwords match byte for byte; a password may hold colons.
    expect(checkBasicAuth(basic('ünï', 'pä:ss'), ['ünï:pä:ss'])).toBe(true)
    expect(checkBasicAuth(basic('ünï', 'pä:ss'), ['uni:pä:ss'])).toBe(false)
    // get_http_auth: the scheme is any prefix of "Basic", case-insensitive.
    expect(checkBasicAuth(`bAs ${b64('u:b')}`, ['u:b'])).toBe(true)
    expect(checkBasicAuth(`Bearer ${b64('u:b')}`, ['u:b'])).toBe(false)
    // Unpadded base64 is refused, and the credentials end at a NUL byte.
    expect(checkBasicAuth(`Basic ${b64('u:bb').replace(/=+$/, '')}`, ['u:bb'])).toBe(false)
    expect(checkBasicAuth(`Basic ${b64('u:b\0junk')}`, ['u:b'])).toBe(true)
    expect(checkBasicAuth('Basic', ['u:b'])).toBe(false)
  })
})

describe('stats page: URL options and formats', () => {
  it('parses the options anywhere after the prefix', () => {
    const s = settingsOf(routeMap())
    expect(parseStatsUrl('/stats', s)).toEqual({ format: 'html', hideDown: false, noMaint: false, noRefresh: false, scope: '' })
    expect(parseStatsUrl('/stats;csv;norefresh;up', s)).toMatchObject({ format: 'csv', hideDown: true, noRefresh: true })
    expect(parseStatsUrl('/stats;json;no-maint', s)).toMatchObject({ format: 'json', noMaint: true })
    expect(parseStatsUrl('/stats;st=DONE;up', s)).toMatchObject({ st: 'DONE', hideDown: true })
    expect(parseStatsUrl('/stats;st=XXXX', s)).toMatchObject({ st: 'UNKN' })
    expect(parseStatsUrl('/stats?scope=oth', s)).toMatchObject({ scope: 'oth' })
    expect(parseStatsUrl('/stats?scope=a"b', s)).toMatchObject({ scope: '' })
  })

  it('sends Refresh: <seconds> unless ;norefresh, and no-cache', async () => {
    const w = world()
    const res = await call(w, '/stats')
    expect(res.status).toBe(200)
    expect(res.headers.get('refresh')).toBe('2')
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expect(res.headers.get('content-type')).toBe('text/html')
    expect((await call(w, '/stats;norefresh')).headers.get('refresh')).toBeNull()
    const noRefresh = world(routeMap(CONFIG.replace('stats refresh 2s\n', '')))
    expect((await call(noRefresh, '/stats')).headers.get('refresh')).toBeNull()
  })

  it(';csv answers the CSV as text/plain, with every proxy row', async () => {
    const w = world()
    const res = await call(w, '/stats;csv;norefresh')
    expect(res.headers.get('content-type')).toBe('text/plain')
    expect(res.headers.get('refresh')).toBeNull()
    const text = await res.text()
    expect(text.startsWith('# pxname,svname,qcur,')).toBe(true)
    for (const row of ['fe,FRONTEND,', 'be,web1,', 'be,web3,', 'be,bk1,', 'be,BACKEND,', 'other,o1,', 'other,BACKEND,']) expect(text).toContain(row)
  })

  it(';json answers application/json', async () => {
    const w = world()
    const res = await call(w, '/stats;json')
    expect(res.headers.get('content-type')).toBe('application/json')
    const body = JSON.parse(await res.text()) as unknown
    expect(Array.isArray(body)).toBe(true)
    expect(JSON.stringify(body)).toContain('web1')
  })

  it(';up hides DOWN servers, ;no-maint hides MAINT servers, ?scope= filters proxies', async () => {
    const w = world()
    w.admin.set('be/web2', { state: 'maint', changedAt: 0 })
    const all = await (await call(w, '/stats;csv')).text()
    expect(all).toContain('be,web3,')
    expect(all).toContain('be,web2,')
    const up = await (await call(w, '/stats;csv;up')).text()
    expect(up).not.toContain('be,web3,')
    expect(up).toContain('be,web1,')
    const noMaint = await (await call(w, '/stats;csv;no-maint')).text()
    expect(noMaint).not.toContain('be,web2,')
    expect(noMaint).toContain('be,web3,')
    const scoped = await (await call(w, '/stats;csv?scope=OTH')).text()
    expect(scoped).toContain('other,o1,')
    expect(scoped).not.toContain('be,web1,')
    expect(scoped).not.toContain('fe,FRONTEND,')
  })

  it(';typed answers the typed format as text/plain', async () => {
    const w = world()
    const res = await call(w, '/stats;typed')
    expect(res.headers.get('content-type')).toBe('text/plain')
    expect(await res.text()).toMatch(/^F\.\d+\.0\.0\.pxname\.1:KNS:str:fe$/m)
  })

  it('stats scope limits the proxies, `.` being the proxy serving the page', async () => {
    const rm = routeMap(CONFIG.replace('stats refresh 2s', 'stats refresh 2s\n    stats scope .\n    stats scope other'))
    const w = world(rm)
    const req = new Request('http://localhost:8080/stats;csv', { headers: { authorization: basic('admin', 'pw') } })
    const deps = { input: async () => w.input, isAdmin: false, applyAdmin: async () => {}, version: 'x', proxy: 'fe' }
    const text = await (await statsPage(req, settingsOf(rm), deps)).text()
    expect(text).toContain('fe,FRONTEND,')
    expect(text).toContain('other,o1,')
    expect(text).not.toContain('be,web1,')
  })

  it('HEAD sends the headers without a body', async () => {
    const w = world()
    const res = await call(w, '/stats', { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(res.headers.get('refresh')).toBe('2')
    expect(await res.text()).toBe('')
  })
})

describe('stats page: HTML', () => {
  it('has the HAProxy title, edgeproxy as the product, the process block and one table per proxy', async () => {
    const w = world(routeMap(), { 'fe:fe': { stot: 42, scur: 1 }, 'srv:be/web1': { stot: 7, lbtot: 7, lastsess: 95_000 } })
    const html = await (await call(w, '/stats')).text()
    expect(html).toContain('<title>Statistics Report for HAProxy</title>')
    expect(html).toContain('<span class="product">edgeproxy</span> version 0.1.0')
    expect(html).toContain('General process information')
    expect(html).toContain('<b>uptime = </b> 0d 0h01m40s')
    for (const px of ['fe', 'be', 'other']) expect(html).toContain(`<table class="tbl" width="100%" data-proxy="${px}">`)
    for (const g of ['Queue', 'Session rate', 'Sessions', 'Bytes', 'Denied', 'Errors', 'Warnings', 'Server']) expect(html).toContain(`>${g}</th>`)
    for (const h of ['Status', 'LastChk', 'Wght', 'Act', 'Bck', 'Chk', 'Dwn', 'Dwntme', 'Thrtle']) expect(html).toContain(`<th>${h}</th>`)
    expect(html).toMatch(/<tr class="frontend" data-proxy="fe" data-server="FRONTEND"[^>]*>.*<td data-f="stot"><u>42</)
    expect(html).toMatch(/data-proxy="be" data-server="web1"[^>]*>.*<td data-f="stot"><u>7<.*<td data-f="lastsess">5s</)
    expect(html).toMatch(/<tr class="backend" data-proxy="be" data-server="BACKEND"/)
    expect(html).toMatch(/<tr class="backend" data-proxy="other" data-server="BACKEND"/)
  })

  it('colours server rows by state like HAProxy', async () => {
    const w = world()
    w.admin.set('be/web2', { state: 'drain', changedAt: 0 })
    w.admin.set('other/o1', { state: 'maint', changedAt: 0 })
    const html = await (await call(w, '/stats')).text()
    const cls = (px: string, sv: string): string | undefined => new RegExp(`<tr class="([^"]+)" data-proxy="${px}" data-server="${sv}"`).exec(html)?.[1]
    expect(cls('be', 'web1')).toBe('active_up')
    expect(cls('be', 'web2')).toBe('active_draining')
    expect(cls('be', 'web3')).toBe('active_down')
    expect(cls('be', 'web4')).toBe('active_no_check')
    expect(cls('be', 'bk1')).toBe('backup_up')
    expect(cls('other', 'o1')).toBe('maintain')
    expect(html).toMatch(/data-server="web2" data-type="2" data-status="DRAIN">/)
    expect(html).toMatch(/data-server="o1"[^>]*>.*<td class="ac status" data-f="status">\d+[smhd]\S* MAINT</)
    expect(html).toMatch(/data-server="web4"[^>]*>.*<td class="ac status" data-f="status"><i>no check<\/i>/)
    expect(html).toMatch(/data-server="web1"[^>]*>.*<td class="ac lastchk" data-f="check_status"><u> L7OK\/200 in 1ms/)
  })

  it('every row has as many columns as the header (name + 30, + the checkbox column for admins)', async () => {
    const w = world()
    w.admin.set('be/web2', { state: 'maint', changedAt: 0 })
    for (const isAdmin of [true, false]) {
      // Without the hover tips (their tables have rows of their own).
      const html = (await (await call(w, '/stats', { isAdmin })).text()).replace(/<div class=tips>[\s\S]*?<\/div>/g, '')
      const rows = html.match(/<tr class="(?!titre)[^"]*" data-proxy=[\s\S]*?<\/tr>/g) ?? []
      expect(rows.length).toBe(1 + 6 + 2)
      for (const r of rows) {
        const cells = r.match(/<td[^>]*>/g) ?? []
        const width = cells.reduce((a, c) => a + Number(/colspan=(\d+)/.exec(c)?.[1] ?? 1), 0)
        expect(width, r.slice(0, 80)).toBe(31 + (isAdmin ? 1 : 0))
      }
    }
  })

  it('serverRowClass follows stats_dump_fields_html', () => {
    const row = (fields: Record<string, string | number>): StatRow => ({
      type: 2,
      iid: 1,
      sid: 1,
      pxname: 'be',
      svname: 's',
      values: STAT_COLUMNS_26.map((c) => fields[c]),
    })
    const checked = { chkfail: 0, check_rise: 2, check_fall: 3, weight: 1 }
    expect(serverRowClass(row({ status: 'UP', ...checked, check_health: 4 }))).toBe('active_up')
    expect(serverRowClass(row({ status: 'UP 2/3', ...checked, check_health: 3 }))).toBe('active_going_down')
    expect(serverRowClass(row({ status: 'DOWN 1/2', ...checked, check_health: 1 }))).toBe('active_going_up')
    expect(serverRowClass(row({ status: 'DOWN', ...checked, check_health: 0, bck: 1 }))).toBe('backup_down')
    expect(serverRowClass(row({ status: 'NOLB', ...checked }))).toBe('active_nolb')
    expect(serverRowClass(row({ status: 'DRAIN', ...checked, bck: 1 }))).toBe('backup_draining')
    expect(serverRowClass(row({ status: 'UP', ...checked, check_health: 4, weight: 0 }))).toBe('active_draining')
    expect(serverRowClass(row({ status: 'MAINT (via be/x)' }))).toBe('maintain')
    expect(serverRowClass(row({ status: 'no check', weight: 1 }))).toBe('active_no_check')
  })

  it('hide-version hides the version', async () => {
    const w = world()
    expect(await (await call(w, '/stats', { hideVersion: true })).text()).not.toContain('version 0.1.0')
    const hidden = world(routeMap(CONFIG.replace('stats refresh 2s', 'stats refresh 2s\n    stats hide-version')))
    const html = await (await call(hidden, '/stats')).text()
    expect(html).not.toContain('version 0.1.0')
    expect(html).toContain('<span class="product">edgeproxy</span></h1>')
  })

  it('display options link back to the prefix with the current flags', async () => {
    const w = world()
    const html = await (await call(w, '/stats;up;norefresh?scope=be')).text()
    expect(html).toContain('<a href="/stats;norefresh?scope=be">Show all servers</a>')
    expect(html).toContain('<a href="/stats;up?scope=be">Enable refresh</a>')
    expect(html).toContain('<a href="/stats;csv;norefresh?scope=be">CSV export</a>')
    expect(html).toContain('<input value="be" name="scope"')
  })

  it('shows the admin forms only to admins, and the ;st= banner', async () => {
    const w = world()
    const admin = await (await call(w, '/stats;st=DONE')).text()
    expect(admin).toContain('<form method="post">')
    expect(admin).toContain(`<input class='be-checkbox' type="checkbox" name="s" value="web1">`)
    expect(admin).toContain('<option value="drain">Set state to DRAIN</option>')
    expect(admin).toContain('<option value="maint">Set state to MAINT</option>')
    expect(admin).toMatch(/<input type="hidden" name="b" value="#\d+">/)
    expect(admin).toContain('data-st="DONE"><a class=lfsb href="/stats" title="Remove this message">[X]</a> Action processed successfully.</div>')
    const ro = await (await call(w, '/stats;st=DENY', { isAdmin: false })).text()
    expect(ro).not.toContain('<form method="post">')
    expect(ro).not.toContain('type="checkbox"')
    expect(ro).toContain('<b>Action denied.</b>')
  })

  it('escapes names', async () => {
    const w = world()
    const html = await (await call(w, '/stats?scope=<x>')).text()
    expect(html).not.toContain('<x>')
  })

  it('humanTime matches tools.c human_time', () => {
    expect(humanTime(0)).toBe('0s')
    expect(humanTime(59)).toBe('59s')
    expect(humanTime(60)).toBe('1m')
    expect(humanTime(3661)).toBe('1h1m')
    expect(humanTime(90061)).toBe('1d1h')
    expect(humanTime(86400)).toBe('1d')
    expect(humanTime(-1)).toBe('?')
    expect(humanTime(undefined)).toBe('?')
  })
})

describe('stats page: admin POST', () => {
  const form = (pairs: [string, string][]): string => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')
  const post = (w: World, path: string, body: string, isAdmin = true): Promise<Response> =>
    call(w, path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' }, isAdmin })

  it('applies drain to the checked servers and redirects with 303 ;st=DONE', async () => {
    const w = world()
    const id = w.input.routeMap.backends.find((b) => b.name === 'be')?.id
    const res = await post(
      w,
      '/stats',
      form([
        ['s', 'web1'],
        ['s', 'web2'],
        ['action', 'drain'],
        ['b', `#${id}`],
      ]),
    )
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/stats;st=DONE')
    expect(res.headers.get('cache-control')).toBe('no-cache')
    expect(res.headers.get('content-type')).toBe('text/plain')
    expect(await res.text()).toBe('')
    expect(w.applied).toEqual([
      ['be', 'web2', { state: 'drain' }],
      ['be', 'web1', { state: 'drain' }],
    ])
    const html = await (await call(w, '/stats;st=DONE')).text()
    expect(html).toMatch(/<tr class="active_draining" data-proxy="be" data-server="web1"/)
  })

  it('maps every action to its patch', async () => {
    const cases: [string, AdminPatch | undefined][] = [
      ['ready', { state: null }],
      ['drain', { state: 'drain' }],
      ['maint', { state: 'maint' }],
      ['dhlth', { checksDisabled: true }],
      ['ehlth', { checksDisabled: null }],
      ['hrunn', { health: 'up' }],
      ['hnolb', { health: 'stopping' }],
      ['hdown', { health: 'down' }],
      ['disable', { state: 'maint' }],
      ['stop', { state: 'drain' }],
    ]
    for (const [action, patch] of cases) {
      const w = world()
      const res = await post(
        w,
        '/stats',
        form([
          ['s', 'web1'],
          ['action', action],
          ['b', 'be'],
        ]),
      )
      expect(res.headers.get('location'), action).toBe('/stats;st=DONE')
      expect(w.applied, action).toEqual([['be', 'web1', patch]])
    }
  })

  it('legacy enable/start only count servers in MAINT/DRAIN', async () => {
    const w = world()
    w.admin.set('be/web1', { state: 'maint', changedAt: 0 })
    expect(
      (
        await post(
          w,
          '/stats',
          form([
            ['s', 'web1'],
            ['s', 'web2'],
            ['action', 'enable'],
            ['b', 'be'],
          ]),
        )
      ).headers.get('location'),
    ).toBe('/stats;st=PART')
    expect(w.applied).toEqual([['be', 'web1', { state: null }]])
    expect(
      (
        await post(
          w,
          '/stats',
          form([
            ['s', 'web1'],
            ['action', 'start'],
            ['b', 'be'],
          ]),
        )
      ).headers.get('location'),
    ).toBe('/stats;st=ERRP')
  })

  it('answers NONE, ERRP and PART like HAProxy', async () => {
    const w = world()
    const loc = async (body: string, path = '/stats'): Promise<string | null> => (await post(w, path, body)).headers.get('location')
    expect(
      await loc(
        form([
          ['action', 'drain'],
          ['b', 'be'],
        ]),
      ),
    ).toBe('/stats;st=NONE')
    expect(await loc('')).toBe('/stats;st=NONE')
    expect(
      await loc(
        form([
          ['s', 'web1'],
          ['action', 'drain'],
          ['b', 'nope'],
        ]),
      ),
    ).toBe('/stats;st=ERRP')
    expect(
      await loc(
        form([
          ['s', 'web1'],
          ['action', 'drain'],
          ['b', '#999'],
        ]),
      ),
    ).toBe('/stats;st=ERRP')
    expect(
      await loc(
        form([
          ['s', 'web1'],
          ['action', 'explode'],
          ['b', 'be'],
        ]),
      ),
    ).toBe('/stats;st=ERRP')
    expect(
      await loc(
        form([
          ['s', 'web1'],
          ['action', ''],
          ['b', 'be'],
        ]),
      ),
    ).toBe('/stats;st=ERRP')
    expect(
      await loc(
        form([
          ['s', 'ghost'],
          ['action', 'drain'],
          ['b', 'be'],
        ]),
      ),
    ).toBe('/stats;st=ERRP')
    expect(
      await loc(
        form([
          ['s', 'ghost'],
          ['s', 'web1'],
          ['action', 'drain'],
          ['b', 'be'],
        ]),
      ),
    ).toBe('/stats;st=PART')
    // the backend is not 'fe' (no backend capability)
    expect(
      await loc(
        form([
          ['s', 'web1'],
          ['action', 'drain'],
          ['b', 'fe'],
        ]),
      ),
    ).toBe('/stats;st=ERRP')
    // no backend: the servers are never applied
    expect(
      await loc(
        form([
          ['s', 'web1'],
          ['action', 'drain'],
        ]),
      ),
    ).toBe('/stats;st=NONE')
    // dhlth on a server without check is not counted
    expect(
      await loc(
        form([
          ['s', 'web4'],
          ['action', 'dhlth'],
          ['b', 'be'],
        ]),
      ),
    ).toBe('/stats;st=ERRP')
    // keeps ;up, ;norefresh and the scope of the page the form was posted from
    expect(
      await loc(
        form([
          ['s', 'web1'],
          ['action', 'drain'],
          ['b', 'be'],
        ]),
        '/stats;up;norefresh?scope=be',
      ),
    ).toBe('/stats;st=DONE;up;norefresh?scope=be')
    // a body larger than HAProxy's buffer
    expect(await loc(`s=${'x'.repeat(9000)}&action=drain&b=be`)).toBe('/stats;st=EXCD')
  })

  it('the last b and action win; s parameters before them are applied too', async () => {
    const w = world()
    const res = await post(w, '/stats', 'b=other&action=maint&s=web1&b=be&action=drain&s=web2')
    expect(res.headers.get('location')).toBe('/stats;st=DONE')
    expect(w.applied).toEqual([
      ['be', 'web2', { state: 'drain' }],
      ['be', 'web1', { state: 'drain' }],
    ])
  })

  it('a POST without admin rights is redirected to ;st=DENY and changes nothing', async () => {
    const w = world()
    const res = await post(
      w,
      '/stats',
      form([
        ['s', 'web1'],
        ['action', 'maint'],
        ['b', 'be'],
      ]),
      false,
    )
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/stats;st=DENY')
    expect(w.applied).toEqual([])
  })

  it('a POST without credentials gets the 401 first', async () => {
    const w = world()
    const res = await call(w, '/stats', { method: 'POST', body: 's=web1&action=maint&b=be', auth: null })
    expect(res.status).toBe(401)
    expect(w.applied).toEqual([])
  })

  it('other methods are redirected to ;st=IVAL', async () => {
    const w = world()
    const res = await call(w, '/stats', { method: 'PUT', body: 'x' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/stats;st=IVAL')
  })
})

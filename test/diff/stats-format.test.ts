import { mkdtempSync, rmSync } from 'node:fs'
import { request } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { HealthSnapshot, ServerSnapshot } from '../../src/health/snapshot.ts'
import type { CheckStatus } from '../../src/health/status.ts'
import type { AdminServer } from '../../src/ops/types.ts'
import type { StatsInput } from '../../src/stats/input.ts'
import type { RouteMap } from '../../src/routemap/schema.ts'
import { renderCsv } from '../../src/stats/csv.ts'
import { STAT_COLUMNS_26, statRows } from '../../src/stats/fields.ts'
import { renderInfo } from '../../src/stats/info.ts'
import { renderPrometheus } from '../../src/stats/prometheus.ts'
import { renderServersState } from '../../src/stats/servers-state.ts'
import { renderStatJson, renderTyped } from '../../src/stats/typed.ts'
import { compile } from '../helpers/cfg.ts'
import { Origins, type Proxy as RunningProxy, startHaproxy } from './harness.ts'

/*
 * The stats renderers against HAProxy 2.6 on the same config: HAProxy runs it (checks against
 * echo origins, one refused port, one server drained over the socket), the same text is
 * compiled to a RouteMap, and a StatsInput is built from it with health snapshots that mirror
 * what HAProxy reports. The deterministic parts must match: the CSV header, row order, the
 * config- and state-derived columns, which fields are empty, the typed/json field tags, `show
 * servers state` (minus the seconds since the last change), the `show info` keys, and the
 * Prometheus metric names, HELP/TYPE lines and label sets.
 *
 * `global` comes last on purpose: HAProxy 2.6 numbers proxies in declaration order, and the
 * internal proxy behind `stats socket` takes a number when it is declared (cfgparse.c: "The GLOBAL
 * proxy that carries the stats socket has its ID forced to zero" but still shifts next_pxid),
 * which the RouteMap compiler does not model; declaring it after every proxy keeps the ids equal.
 */
const DIR = mkdtempSync(join(tmpdir(), 'stats-format-'))
const SOCK = join(DIR, 'admin.sock')

const CONFIG = `
defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout check 1s
    # Fast first checks, then none for 10 s: the dumps are compared with no check in flight.
    default-server inter 10s fastinter 100 downinter 10s rise 2 fall 2

frontend fe
    bind 127.0.0.1:@PORT@
    http-request use-service prometheus-exporter if { path /metrics }
    stick-table type ip size 100 expire 10s store http_req_rate(10s)
    use_backend be_static if { path_beg /static }
    default_backend be

backend be
    balance roundrobin
    cookie SRV insert indirect nocache
    option httpchk GET /health
    server up1 127.0.0.1:@up1@ check cookie u1 weight 10
    server lim 127.0.0.1:@up2@ check maxconn 5 maxqueue 3
    server dwn 127.0.0.1:@dwn@ check
    server bk 127.0.0.1:@up1@ check backup
    server drn 127.0.0.1:@up2@ check weight 7
    server nochk 127.0.0.1:@up2@ weight 0

backend be_static
    balance static-rr
    stick-table type integer size 300
    server s1 127.0.0.1:@up1@ weight 3
    server s2 127.0.0.1:@up2@ disabled

backend be_rand
    balance random
    server r1 127.0.0.1:@up1@

listen lt
    bind 127.0.0.1:@PORT2@
    mode tcp
    balance leastconn
    option tcp-check
    server t1 127.0.0.1:@up1@ check

listen stats
    bind 127.0.0.1:@PORT3@
    stats enable
    stats uri /stats

global
    maxconn 4000
    stats socket ${SOCK} level admin
`

function cli(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(SOCK)
    let out = ''
    s.on('connect', () => s.write(`${command}\n`))
    s.on('data', (d: Buffer) => (out += d.toString()))
    s.on('end', () => resolve(out))
    s.on('error', reject)
  })
}

function get(port: number, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** CSV text → rows of fields (no quoted values in this config). */
function parseCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split('\n').filter((l) => l !== '')
  const header = (lines[0] ?? '').slice(2).split(',').slice(0, -1)
  return { header, rows: lines.slice(1).map((l) => l.split(',').slice(0, -1)) }
}

let origins: Origins
let hap: RunningProxy
let routeMap: RouteMap
let startedAt = 0
let real: {
  csv: string
  typed: string
  json: string
  info: string
  infoTyped: string
  infoJson: string
  servers: string
  serversBe: string
  unknown: string
  page: string
  metrics: string
  bogus: { status: number; body: string }
}

/** The StatsInput mirroring HAProxy's state: health from its `show stat`, the drain from the socket. */
function mirrorInput(haproxyCsv: string): StatsInput {
  const { header, rows } = parseCsv(haproxyCsv)
  const at = (r: string[], name: string) => r[header.indexOf(name)] ?? ''
  const snaps = new Map<string, Record<string, ServerSnapshot>>()
  for (const r of rows) {
    const status = at(r, 'check_status')
    if (at(r, 'type') !== '2' || status === '') continue
    const up = !at(r, 'status').startsWith('DOWN')
    const snap: ServerSnapshot = {
      up,
      usable: up,
      status: at(r, 'status'),
      state: up ? 'RUNNING' : 'STOPPED',
      checkStatus: status as CheckStatus,
      checkDesc: at(r, 'check_desc'),
      ...(at(r, 'check_code') !== '' ? { checkCode: Number(at(r, 'check_code')) } : {}),
      checkInfo: at(r, 'last_chk'),
      checkDurationMs: Number(at(r, 'check_duration')),
      health: Number(at(r, 'check_health')),
      rise: Number(at(r, 'check_rise')),
      fall: Number(at(r, 'check_fall')),
      lastChange: startedAt,
      nextCheck: startedAt,
      effectiveWeightPct: up ? 100 : 0,
      failedChecks: Number(at(r, 'chkfail')),
      downTransitions: Number(at(r, 'chkdown')),
      hanaFailures: 0,
    }
    const be = at(r, 'pxname')
    snaps.set(be, { ...(snaps.get(be) ?? {}), [at(r, 'svname')]: snap })
  }
  const drained: AdminServer = { state: 'drain', changedAt: Date.now() }
  return {
    routeMap,
    now: Date.now(),
    startedAt,
    counters: () => undefined,
    health: (b): HealthSnapshot | undefined => {
      const servers = snaps.get(b)
      return servers && { backend: b, routeMapHash: routeMap.hash, generatedAt: Date.now(), minInterMs: 100, servers }
    },
    admin: (b, s) => (b === 'be' && s === 'drn' ? drained : undefined),
    isolates: 1,
  }
}

/** The settled state: dwn DOWN after its failed checks, every other checked server past its first check. */
function settled(csv: string): boolean {
  const { header, rows } = parseCsv(csv)
  const at = (r: string[], name: string) => r[header.indexOf(name)] ?? ''
  const checked = rows.filter((r) => at(r, 'type') === '2' && at(r, 'check_status') !== '')
  return checked.length === 6 && checked.every((r) => (at(r, 'svname') === 'dwn' ? at(r, 'status') === 'DOWN' : at(r, 'check_status').startsWith('L') && !at(r, 'status').includes('/')))
}

beforeAll(async () => {
  origins = await new Origins().start(['up1', 'up2'])
  await origins.reserve('dwn')
  startedAt = Date.now()
  hap = await startHaproxy(CONFIG, origins, {}, ['PORT2', 'PORT3'])
  const text = CONFIG.replace(/@(PORT\d*)@/g, (_, n: string) => String(hap.ports[n])).replace(/@([a-z0-9_]+)@/g, (_, n: string) => String(origins.port(n)))
  const compiled = compile(text)
  if (!compiled.routeMap) throw new Error(`compile failed: ${JSON.stringify(compiled.diagnostics)}`)
  routeMap = compiled.routeMap
  for (let i = 0; i < 100 && !settled(await cli('show stat')); i++) await new Promise((r) => setTimeout(r, 100))
  await cli('set server be/drn state drain')
  real = {
    csv: await cli('show stat'),
    typed: await cli('show stat typed'),
    json: await cli('show stat json'),
    info: await cli('show info'),
    infoTyped: await cli('show info typed'),
    infoJson: await cli('show info json'),
    servers: await cli('show servers state'),
    serversBe: await cli('show servers state be_static'),
    unknown: await cli('show servers state nope'),
    page: (await get(hap.ports.PORT3 as number, '/stats;csv')).body,
    metrics: (await get(hap.port, '/metrics')).body,
    bogus: await get(hap.port, '/metrics?scope=bogus'),
  }
})

afterAll(async () => {
  await hap?.stop()
  await origins?.stop()
  rmSync(DIR, { recursive: true, force: true })
})

/** Columns whose value is deterministic for an idle process with settled checks. */
const COMPARED = [
  'pxname',
  'svname',
  'status',
  'weight',
  'act',
  'bck',
  'slim',
  'qlimit',
  'pid',
  'iid',
  'sid',
  'type',
  'check_status',
  'check_code',
  'check_rise',
  'check_fall',
  'check_health',
  'check_desc',
  'last_chk',
  'addr',
  'cookie',
  'mode',
  'algo',
  'uweight',
  'tracked',
  'throttle',
  'rate_lim',
]

describe('show stat against HAProxy 2.6', () => {
  let ours: string
  beforeAll(() => {
    ours = renderCsv(statRows(mirrorInput(real.csv)))
  })

  it('has the same header, with the module columns after "-"', () => {
    expect(ours.split('\n')[0]).toBe(real.csv.split('\n')[0])
  })

  it('lists the same rows in the same order', () => {
    const key = (t: string) => parseCsv(t).rows.map((r) => `${r[0]}/${r[1]}`)
    expect(key(ours)).toEqual(key(real.csv))
  })

  it('fills the deterministic columns the same way', () => {
    const a = parseCsv(ours)
    const b = parseCsv(real.csv)
    const pick = (p: { header: string[]; rows: string[][] }) => p.rows.map((r) => Object.fromEntries(COMPARED.map((c) => [c, r[p.header.indexOf(c)]])))
    expect(pick(a)).toEqual(pick(b))
  })

  it('leaves the same fields empty on every row', () => {
    const pattern = (t: string) => parseCsv(t).rows.map((r) => `${r[0]}/${r[1]} ${r.map((v) => (v === '' ? '.' : 'x')).join('')}`)
    expect(pattern(ours)).toEqual(pattern(real.csv))
  })

  it('ends with an empty line like the CLI; the ;csv page without it, and without the legends', () => {
    expect(real.csv.endsWith(',\n\n')).toBe(true)
    expect(ours.endsWith(',\n\n')).toBe(true)
    const page = renderCsv(statRows(mirrorInput(real.csv), { legends: false }), { trailingEmptyLine: false })
    expect(real.page.endsWith(',\n') && !real.page.endsWith('\n\n')).toBe(true)
    expect(page.endsWith(',\n') && !page.endsWith('\n\n')).toBe(true)
    const cols = (t: string) => {
      const p = parseCsv(t)
      return p.rows.map((r) => ['addr', 'cookie', 'algo'].map((c) => r[p.header.indexOf(c)]).join('|'))
    }
    expect(cols(page)).toEqual(cols(real.page))
  })

  it('"show stat typed" lists the same fields with the same tags and formats', () => {
    const shape = (t: string) =>
      t
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split(':').slice(0, 3).join(':'))
    expect(shape(renderTyped(statRows(mirrorInput(real.csv))))).toEqual(shape(real.typed))
    expect(real.typed.endsWith('\n\n')).toBe(true)
  })

  it('"show stat json" has the same objects, positions, tags and value types', () => {
    type F = { objType: string; proxyId: number; id: number; field: { pos: number; name: string }; tags: unknown; value: { type: string } }
    const shape = (t: string) => (JSON.parse(t) as F[][]).map((row) => row.map((f) => [f.objType, f.proxyId, f.id, f.field.pos, f.field.name, f.tags, f.value.type]))
    const json = renderStatJson(statRows(mirrorInput(real.csv)))
    expect(shape(json)).toEqual(shape(real.json))
    expect(json.endsWith(']\n\n')).toBe(true)
    expect(real.json.endsWith(']\n\n')).toBe(true)
  })
})

describe('show servers state against HAProxy 2.6', () => {
  const strip = (t: string) =>
    t.split('\n').map((l) => {
      const f = l.split(' ')
      if (f.length < 25) return l
      f[9] = '<age>'
      f[13] = String(Number(f[13]) & ~1) // CHK_ST_INPROGRESS while a check runs
      return f.join(' ')
    })

  it('prints the same lines (apart from the seconds since the last change)', () => {
    expect(strip(renderServersState(mirrorInput(real.csv)))).toEqual(strip(real.servers))
  })

  it('filters by backend, and answers an unknown one like HAProxy', () => {
    expect(strip(renderServersState(mirrorInput(real.csv), 'be_static'))).toEqual(strip(real.serversBe))
    expect(renderServersState(mirrorInput(real.csv), 'nope')).toBe(real.unknown)
  })
})

describe('show info against HAProxy 2.6', () => {
  it('has the same keys in the same order, and ends with an empty line', () => {
    const keys = (t: string) =>
      t
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.slice(0, l.indexOf(':')))
    expect(keys(renderInfo(mirrorInput(real.csv)))).toEqual(keys(real.info))
    expect(renderInfo(mirrorInput(real.csv)).endsWith('\n\n')).toBe(true)
    expect(real.info.endsWith('\n\n')).toBe(true)
  })

  it('"show info typed" and "json" have the same positions, names, tags and value types', () => {
    const typed = (t: string) =>
      t
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => l.split(':').slice(0, 3).join(':'))
    expect(typed(renderInfo(mirrorInput(real.csv), { typed: true }))).toEqual(typed(real.infoTyped))
    type F = { field: unknown; processNum: number; tags: unknown; value: { type: string } }
    const json = (t: string) => (JSON.parse(t) as F[]).map((f) => [f.field, f.processNum, f.tags, f.value.type])
    expect(json(renderInfo(mirrorInput(real.csv), { json: true }))).toEqual(json(real.infoJson))
  })
})

describe('Prometheus exporter against HAProxy 2.6', () => {
  let ours: string
  beforeAll(() => {
    ours = renderPrometheus(mirrorInput(real.csv), new URLSearchParams()).body
  })
  const lines = (t: string, process: boolean) => t.split('\n').filter((l) => l !== '' && l.includes('haproxy_process_') === process)

  it('has the same HELP/TYPE lines, metric order and label sets (values aside)', () => {
    const shape = (t: string) => lines(t, false).map((l) => (l.startsWith('#') ? l : l.slice(0, l.lastIndexOf(' '))))
    expect(shape(ours)).toEqual(shape(real.metrics))
  })

  it('has the same values where they are deterministic (state series, limits, weights, NaN)', () => {
    const pick = (t: string) =>
      lines(t, false).filter(
        (l) =>
          !l.startsWith('#') && /_(status|limit_sessions|queue_limit|weight|uweight|active_servers|backup_servers|check_code|current_throttle|idle_connections_limit|limit_session_rate)[{ ]/.test(l),
      )
    expect(pick(ours)).toEqual(pick(real.metrics))
  })

  it('exports the same haproxy_process_* metrics', () => {
    const names = (t: string) => lines(t, true).map((l) => (l.startsWith('#') ? l : (/^[a-z_]+/.exec(l)?.[0] ?? l)))
    expect(names(ours)).toEqual(names(real.metrics))
  })

  it('answers a bogus scope with 400', () => {
    const ours = renderPrometheus(mirrorInput(real.csv), new URLSearchParams('scope=bogus'))
    expect([ours.status, ours.body]).toEqual([real.bogus.status, real.bogus.body])
    expect(real.bogus.status).toBe(400)
  })

  it('lists the same columns as HAProxy', () => {
    expect(STAT_COLUMNS_26.length).toBe(parseCsv(real.csv).header.length - 1)
  })
})

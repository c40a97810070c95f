import { describe, expect, it } from 'vitest'
import type { ServerSnapshot } from '../../../src/health/snapshot.ts'
import type { StatsInput } from '../../../src/stats/input.ts'
import { csvField, renderCsv } from '../../../src/stats/csv.ts'
import { STAT_COLUMNS_26, type StatRow, statRows } from '../../../src/stats/fields.ts'
import { renderStatJson, renderTyped } from '../../../src/stats/typed.ts'
import { cfg } from '../../helpers/cfg.ts'
import { type StatsInputOptions, serverSnapshot, statsInput, T0 } from '../../helpers/stats-input.ts'

function snap(over: Partial<ServerSnapshot> = {}): ServerSnapshot {
  return serverSnapshot({ checkDurationMs: 3, ...over })
}

function input(text: string, opts: StatsInputOptions = {}): StatsInput {
  return statsInput(text, opts)
}

const BASE = cfg`
  global
      maxconn 1000
  defaults
      mode http
      timeout connect 1s
      timeout client 1s
      timeout server 1s
  frontend fe
      bind :80
      use_backend other if { path_beg /o }
      default_backend be
  backend be
      balance roundrobin
      cookie SRV insert
      option httpchk GET /
      server a 192.0.2.1:80 check weight 10 cookie ca
      server b 192.0.2.2:8080 check maxconn 5 maxqueue 3
      server c 192.0.2.3:80 check backup
      server d 192.0.2.4:80 backup
  backend other
      balance static-rr
      server x [2001:db8::1]:443 weight 3
  listen mixed
      bind :81
      server m 192.0.2.9:80
`

const col = (r: StatRow | undefined, name: string) => r?.values[STAT_COLUMNS_26.indexOf(name)]
const find = (rows: StatRow[], px: string, sv: string) => rows.find((r) => r.pxname === px && r.svname === sv)

describe('statRows', () => {
  it('orders proxies as configured: FRONTEND, servers, BACKEND; listen gives all three', () => {
    const rows = statRows(input(BASE))
    expect(rows.map((r) => `${r.pxname}/${r.svname}/${r.type}`)).toEqual([
      'fe/FRONTEND/0',
      'be/a/2',
      'be/b/2',
      'be/c/2',
      'be/d/2',
      'be/BACKEND/1',
      'other/x/2',
      'other/BACKEND/1',
      'mixed/FRONTEND/0',
      'mixed/m/2',
      'mixed/BACKEND/1',
    ])
    expect(rows.map((r) => [r.iid, r.sid])).toEqual([
      [1, 0],
      [2, 1],
      [2, 2],
      [2, 3],
      [2, 4],
      [2, 0],
      [3, 1],
      [3, 0],
      [4, 0],
      [4, 1],
      [4, 0],
    ])
  })

  it("keeps a frontend and a backend of the same name apart, and counts a listen section's own maxconn in its fullconn", () => {
    const text = `${BASE}frontend dup\n    bind :83\n    maxconn 50\n    default_backend dup\nbackend dup\n    server z 192.0.2.11:80\n`
    const rows = statRows(input(text))
    expect(rows.slice(-3).map((r) => `${r.pxname}/${r.svname}/${r.iid}`)).toEqual(['dup/FRONTEND/5', 'dup/z/6', 'dup/BACKEND/6'])
    expect(col(find(rows, 'dup', 'BACKEND'), 'slim')).toBe(5)
    expect(col(find(rows, 'mixed', 'BACKEND'), 'slim')).toBe(100)
  })

  it('fills config columns: slim (maxconn, fullconn = 10% of the referencing frontends), qlimit, addr, cookie, algo, mode', () => {
    const rows = statRows(input(BASE))
    expect(col(find(rows, 'fe', 'FRONTEND'), 'slim')).toBe(1000)
    // fe reaches be (default) and other (use_backend): (1000 + 9) / 10
    expect(col(find(rows, 'be', 'BACKEND'), 'slim')).toBe(100)
    expect(col(find(rows, 'other', 'BACKEND'), 'slim')).toBe(100)
    expect(col(find(rows, 'be', 'b'), 'slim')).toBe(5)
    expect(col(find(rows, 'be', 'b'), 'qlimit')).toBe(3)
    expect(col(find(rows, 'be', 'a'), 'slim')).toBeUndefined()
    expect(col(find(rows, 'be', 'b'), 'addr')).toBe('192.0.2.2:8080')
    expect(col(find(rows, 'other', 'x'), 'addr')).toBe('[2001:db8::1]:443')
    expect(col(find(rows, 'be', 'a'), 'cookie')).toBe('ca')
    expect(col(find(rows, 'be', 'BACKEND'), 'cookie')).toBe('SRV')
    expect(col(find(rows, 'be', 'BACKEND'), 'algo')).toBe('roundrobin')
    expect(col(find(rows, 'other', 'BACKEND'), 'algo')).toBe('static-rr')
    expect(col(find(rows, 'fe', 'FRONTEND'), 'mode')).toBe('http')
    const hidden = statRows(input(BASE), { legends: false })
    expect(['addr', 'cookie'].map((c) => col(find(hidden, 'be', 'a'), c))).toEqual([undefined, undefined])
    expect(col(find(hidden, 'be', 'BACKEND'), 'algo')).toBeUndefined()
  })

  it('shows check state: UP, going down, DOWN, going up, NOLB, no check, with the check columns', () => {
    const rows = statRows(
      input(BASE, {
        health: {
          be: {
            a: snap({ health: 3 }),
            b: snap({
              state: 'STOPPED',
              health: 1,
              checkStatus: 'L4CON',
              checkDesc: 'Layer4 connection problem',
              checkInfo: 'Connection refused',
              checkCode: undefined,
              failedChecks: 4,
              downTransitions: 1,
              lastChange: T0 + 4000,
            }),
            c: snap({ state: 'STOPPING', checkStatus: 'L7OKC', checkDesc: 'Layer7 check conditionally passed', checkCode: 404 }),
          },
        },
      }),
    )
    expect(col(find(rows, 'be', 'a'), 'status')).toBe('UP 2/3')
    expect(col(find(rows, 'be', 'b'), 'status')).toBe('DOWN 1/2')
    expect(col(find(rows, 'be', 'c'), 'status')).toBe('NOLB')
    expect(col(find(rows, 'be', 'd'), 'status')).toBe('no check')
    const b = find(rows, 'be', 'b')
    expect(['check_status', 'check_code', 'last_chk', 'check_desc', 'chkfail', 'chkdown', 'lastchg', 'downtime'].map((c) => col(b, c))).toEqual([
      'L4CON',
      undefined,
      'Connection refused',
      'Layer4 connection problem',
      4,
      1,
      6,
      6,
    ])
    const a = find(rows, 'be', 'a')
    expect(['check_status', 'check_code', 'check_duration', 'last_chk', 'check_rise', 'check_fall', 'check_health'].map((c) => col(a, c))).toEqual(['L7OK', 200, 3, '', 2, 3, 3])
    // A server without check has no check columns at all.
    expect(['chkfail', 'chkdown', 'downtime', 'check_status', 'check_health'].map((c) => col(find(rows, 'be', 'd'), c))).toEqual([undefined, undefined, undefined, undefined, undefined])
  })

  it('applies admin overrides: DRAIN, MAINT (check columns paused), weight, addr', () => {
    const rows = statRows(
      input(BASE, {
        health: { be: { a: snap(), b: snap() } },
        admin: {
          'be/a': { state: 'drain', changedAt: T0 + 8000 },
          'be/b': { state: 'maint', weight: 4, addr: '198.51.100.7', port: 9000, changedAt: T0 + 9000 },
        },
      }),
    )
    const a = find(rows, 'be', 'a')
    const b = find(rows, 'be', 'b')
    expect([col(a, 'status'), col(a, 'weight'), col(a, 'lastchg')]).toEqual(['DRAIN', 10, 2])
    expect([col(b, 'status'), col(b, 'weight'), col(b, 'uweight'), col(b, 'addr'), col(b, 'lastchg')]).toEqual(['MAINT', 4, 4, '198.51.100.7:9000', 1])
    expect([col(b, 'check_status'), col(b, 'check_health'), col(b, 'chkfail')]).toEqual([undefined, undefined, 0])
    // Neither a (drain) nor b (maint) takes traffic: the first backup carries the backend.
    const be = find(rows, 'be', 'BACKEND')
    expect([col(be, 'status'), col(be, 'weight'), col(be, 'act'), col(be, 'bck'), col(be, 'uweight')]).toEqual(['UP', 1, 0, 2, 1])
  })

  it('reports a backend DOWN with weight 0 when no server is usable', () => {
    const down = snap({ state: 'STOPPED', health: 0, checkStatus: 'L4TOUT' })
    const text = BASE.replace('server d 192.0.2.4:80 backup', 'server d 192.0.2.4:80 backup disabled')
    const rows = statRows(input(text, { health: { be: { a: down, b: down, c: down } } }))
    const be = find(rows, 'be', 'BACKEND')
    expect([col(be, 'status'), col(be, 'weight'), col(be, 'act'), col(be, 'bck'), col(be, 'downtime'), col(be, 'chkdown')]).toEqual(['DOWN', 0, 0, 0, 10, 1])
    expect(col(find(rows, 'be', 'd'), 'status')).toBe('MAINT')
  })

  it('throttles a server in slowstart (weight and throttle follow the ramp)', () => {
    const text = BASE.replace('check weight 10 cookie ca', 'check weight 10 cookie ca slowstart 10s')
    const rows = statRows(input(text, { health: { be: { a: snap({ state: 'STARTING', lastChange: T0 + 5000 }) } }, now: T0 + 7000 }))
    const a = find(rows, 'be', 'a')
    // 2 s into a 10 s ramp: w = (16 × 2 + 10) / 10 = 4 → weight ceil(10 × 4 / 16) = 3, throttle 25%.
    expect([col(a, 'weight'), col(a, 'throttle'), col(a, 'uweight')]).toEqual([3, 25, 10])
  })

  it('maps counters to their columns, with HTTP-only columns empty for tcp proxies', () => {
    const text = `${BASE}listen t\n    mode tcp\n    bind :82\n    server t 192.0.2.10:22\n`
    const rows = statRows(
      input(text, {
        counters: {
          'fe:fe': { stot: 7, req_tot: 7, hrsp_2xx: 6, hrsp_5xx: 1, scur: 2, conn_tot: 5 },
          'srv:be/a': { stot: 4, lbtot: 4, lastsess: T0 + 7000, qtime_sum: 30, ctime_sum: 9, timed: 3, ttime_max: 40 },
        },
      }),
    )
    const fe = find(rows, 'fe', 'FRONTEND')
    expect(['stot', 'req_tot', 'hrsp_2xx', 'hrsp_5xx', 'scur', 'conn_tot'].map((c) => col(fe, c))).toEqual([7, 7, 6, 1, 2, 5])
    const a = find(rows, 'be', 'a')
    expect(['stot', 'lbtot', 'lastsess', 'qtime', 'ctime', 'ttime_max'].map((c) => col(a, c))).toEqual([4, 4, 3, 10, 3, 40])
    expect(col(find(rows, 'be', 'b'), 'lastsess')).toBe(-1)
    expect(['hrsp_2xx', 'req_tot'].map((c) => col(find(rows, 't', 't'), c))).toEqual([undefined, undefined])
    expect(['hrsp_2xx', 'req_tot', 'mode'].map((c) => col(find(rows, 't', 'FRONTEND'), c))).toEqual([undefined, 0, 'tcp'])
  })

  it('filters like "show stat <proxy> <type> <sid> [up|no-maint]"', () => {
    const inp = input(BASE, {
      health: { be: { a: snap(), b: snap({ state: 'STOPPED', health: 0 }) } },
      admin: { 'be/c': { state: 'maint', changedAt: T0 } },
    })
    expect(statRows(inp, { name: 'be', typeMask: 4, sid: 2 }).map((r) => r.svname)).toEqual(['b'])
    expect(statRows(inp, { iid: 2, typeMask: 2, sid: -1 }).map((r) => r.svname)).toEqual(['BACKEND'])
    expect(statRows(inp, { iid: -1, typeMask: 1, sid: -1 }).map((r) => r.pxname)).toEqual(['fe', 'mixed'])
    const up = statRows(inp, { name: 'be', up: true })
    expect(up.map((r) => r.svname)).toEqual(['a', 'd', 'BACKEND'])
    expect(col(up.at(-1), 'status')).toBe('UP (2/4)')
    expect(statRows(inp, { name: 'be', noMaint: true }).map((r) => r.svname)).toEqual(['a', 'b', 'd', 'BACKEND'])
  })
})

describe('renderCsv', () => {
  it('prints the header with "# ", "-," before the module columns, a trailing comma on every line', () => {
    const csv = renderCsv(statRows(input(BASE)))
    const lines = csv.split('\n')
    expect(lines[0]?.startsWith('# pxname,svname,qcur,qmax,scur,smax,slim,stot,')).toBe(true)
    expect(lines[0]).toContain(',uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,')
    expect(lines[0]?.endsWith(',h1_spliced_bytes_out,')).toBe(true)
    expect(lines[1]).toMatch(/^fe,FRONTEND,,,0,0,1000,0,/)
    expect(lines.slice(0, -2).every((l) => l.endsWith(','))).toBe(true)
    expect(csv.endsWith(',\n\n')).toBe(true)
    expect(renderCsv(statRows(input(BASE)), { trailingEmptyLine: false }).endsWith(',\n')).toBe(true)
    expect(renderCsv(statRows(input(BASE)), { trailingEmptyLine: false }).endsWith('\n\n')).toBe(false)
  })

  it('quotes only values with a comma, a quote or a line break', () => {
    expect(csvField('plain text')).toBe('plain text')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField(undefined)).toBe('')
    expect(csvField(0)).toBe('0')
  })
})

describe('renderTyped and renderStatJson', () => {
  const rows = statRows(input(BASE, { health: { be: { a: snap() } } }))

  it('prints one typed line per filled field, skipping empty ones but keeping empty strings', () => {
    const typed = renderTyped(rows).split('\n')
    expect(typed[0]).toBe('F.1.0.0.pxname.1:KNS:str:fe')
    expect(typed).toContain('F.1.0.6.slim.1:CLP:u32:1000')
    expect(typed).toContain('S.2.1.36.check_status.1:MOP:str:L7OK')
    expect(typed).toContain('S.2.1.56.last_chk.1:MOP:str:')
    expect(typed).toContain('B.2.0.18.weight.1:MaP:u32:11')
    expect(typed).toContain('S.2.1.55.lastsess.1:MAP:s32:-1')
    expect(typed.some((l) => l.startsWith('F.1.0.2.qcur'))).toBe(false)
    expect(renderTyped(rows).endsWith('\n\n')).toBe(true)
  })

  it('prints HAProxy JSON: an array of rows, each an array of field objects', () => {
    const text = renderStatJson(rows)
    expect(text.endsWith(']\n\n')).toBe(true)
    const json = JSON.parse(text) as { objType: string; proxyId: number; id: number; field: { pos: number; name: string }; processNum: number; tags: unknown; value: unknown }[][]
    expect(json).toHaveLength(rows.length)
    expect(json[0]?.[0]).toEqual({
      objType: 'Frontend',
      proxyId: 1,
      id: 0,
      field: { pos: 0, name: 'pxname' },
      processNum: 1,
      tags: { origin: 'Key', nature: 'Name', scope: 'Service' },
      value: { type: 'str', value: 'fe' },
    })
    const smax = json[1]?.find((f) => f.field.name === 'smax')
    expect(smax).toMatchObject({ objType: 'Server', proxyId: 2, id: 1, tags: { origin: 'Metric', nature: 'Max', scope: 'Process' }, value: { type: 'u32', value: 0 } })
  })
})

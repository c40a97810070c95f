import { describe, expect, it } from 'vitest'
import { renderInfo } from '../../../src/stats/info.ts'
import { renderServersState, SERVERS_STATE_HEADER } from '../../../src/stats/servers-state.ts'
import { cfg } from '../../helpers/cfg.ts'
import { statsInput, T0 } from '../../helpers/stats-input.ts'

const input = statsInput

const CONFIG = cfg`
  global
      maxconn 2000
  defaults
      mode http
      timeout connect 1s
      timeout client 1s
      timeout server 1s
  frontend fe
      bind :80
      bind :8080
      default_backend be
  backend be
      option httpchk GET /
      server a 192.0.2.1:80 check weight 10
      server b 192.0.2.2:8080 check ssl verify none
      server c app.example.com:80 disabled
      server d 192.0.2.4:80
`

describe('renderInfo', () => {
  const inp = input(CONFIG, { now: T0 + 93_784_000, counters: { 'fe:fe': { scur: 3, conn_tot: 40, req_tot: 55, bout: 1234 } } })

  it('prints Key: value lines in 2.6 order with edge values and an empty line at the end', () => {
    const text = renderInfo(inp)
    const lines = text.split('\n')
    expect(lines.slice(0, 9)).toEqual(['Name: edgeproxy', 'Version: 0.1.0', 'Release_date: ', 'Nbthread: 1', 'Nbproc: 1', 'Process_num: 1', 'Pid: 1', 'Uptime: 1d 2h03m04s', 'Uptime_sec: 93784'])
    expect(lines).toContain('Maxconn: 2000')
    expect(lines).toContain('CurrConns: 3')
    expect(lines).toContain('CumConns: 40')
    expect(lines).toContain('CumReq: 55')
    expect(lines).toContain('Listeners: 2')
    expect(lines).toContain('TotalBytesOut: 1234')
    expect(lines).toContain(`Start_time_sec: ${T0 / 1000}`)
    expect(lines.at(-3)).toBe('Tainted: 0')
    expect(text.endsWith('Tainted: 0\n\n')).toBe(true)
    expect(lines.some((l) => l.startsWith('description:'))).toBe(false)
    expect(renderInfo(inp, { description: 'edge', version: '1.2.3' })).toContain('\nnode: edgeproxy\ndescription: edge\nStopping: 0\n')
  })

  it('prints the typed and JSON forms with HAProxy field positions and tags', () => {
    const typed = renderInfo(inp, { typed: true }).split('\n')
    expect(typed[0]).toBe('0.Name.1:POS:str:edgeproxy')
    expect(typed).toContain('8.Uptime_sec.1:MDP:u32:93784')
    expect(typed).toContain('47.Tasks.1:MGP:u32:0')
    expect(typed).toContain('71.Tainted.1:SGP:str:0')
    const json = JSON.parse(renderInfo(inp, { json: true })) as { field: { pos: number; name: string }; tags: unknown; value: unknown }[]
    expect(json[19]).toEqual({ field: { pos: 19, name: 'CumReq' }, processNum: 1, tags: { origin: 'Metric', nature: 'Counter', scope: 'Process' }, value: { type: 'u32', value: 55 } })
  })
})

describe('renderServersState', () => {
  it('prints version 1, the header and one line per server with states, weights and addresses', () => {
    const text = renderServersState(
      input(CONFIG, {
        health: { be: { a: {}, b: { state: 'STOPPED', health: 0, checkStatus: 'L4CON', checkCode: undefined, lastChange: T0 + 4000 } } },
        admin: { 'be/a': { state: 'drain', weight: 5, changedAt: T0 + 7000 } },
      }),
    )
    expect(text.split('\n')).toEqual([
      '1',
      SERVERS_STATE_HEADER,
      '2 be 1 a 192.0.2.1 2 8 5 10 3 15 3 4 6 0 0 0 - 80 - 0 0 - - 0',
      '2 be 2 b 192.0.2.2 0 0 1 1 6 8 2 0 6 0 0 0 - 8080 - 1 0 - - 0',
      '2 be 3 c app.example.com 0 5 1 1 10 1 0 0 8 0 0 0 app.example.com 80 - 0 0 - - 0',
      '2 be 4 d 192.0.2.4 2 0 1 1 10 1 0 2 0 0 0 0 - 80 - 0 0 - - 0',
      '',
      '',
    ])
  })

  it('selects one backend, or answers "Can\'t find backend."', () => {
    expect(renderServersState(input(CONFIG), 'be').split('\n')).toHaveLength(8)
    expect(renderServersState(input(CONFIG), 'fe')).toBe("Can't find backend.\n\n")
    expect(renderServersState(input(CONFIG), 'nope')).toBe("Can't find backend.\n\n")
  })

  it('marks maintenance (forced) and paused checks', () => {
    const line = renderServersState(input(CONFIG, { health: { be: { a: {} } }, admin: { 'be/a': { state: 'maint', changedAt: T0 + 9000 } } })).split('\n')[2]
    expect(line).toBe('2 be 1 a 192.0.2.1 0 1 10 10 1 15 3 0 14 0 0 0 - 80 - 0 0 - - 0')
  })
})

/**
 * What `show stat` and `show servers state` show of agent checks and tracking: the agent
 * columns, `DRAIN (agent)` / `DOWN (agent)`, the agent's weight, its admin flags, and a
 * tracking server following the tracked one.
 */
import { describe, expect, it } from 'vitest'
import { STAT_COLUMNS_26, type StatRow, statRows } from '../../../src/stats/fields.ts'
import { renderServersState } from '../../../src/stats/servers-state.ts'
import { cfg } from '../../helpers/cfg.ts'
import { statsInput } from '../../helpers/stats-input.ts'

const CONFIG = cfg`
  defaults
    mode http
  backend be
    balance roundrobin
    server a 192.0.2.1:80 weight 100 agent-check agent-port 9999
    server c 192.0.2.2:80 check
    server t 192.0.2.3:80 track c
`

const col = (rows: StatRow[], sv: string, name: string) => rows.find((r) => r.pxname === 'be' && r.svname === sv)?.values[STAT_COLUMNS_26.indexOf(name)]

describe('agent checks and tracking in the stats', () => {
  it('agent columns, DRAIN (agent) with the agent weight; the tracking server shows the tracked state', () => {
    const agent = { status: 'CHECKED', desc: 'No status change', info: '', durationMs: 3, health: 1 }
    const rows = statRows(
      statsInput(CONFIG, {
        health: {
          be: {
            a: { agentWeight: 50, agentAdmin: 'drain', agent, checkStatus: 'INI', usable: false },
            c: { state: 'STOPPED', health: 0, up: false, usable: false, checkStatus: 'L7STS', status: 'DOWN' },
          },
        },
      }),
    )
    expect(['status', 'weight', 'check_status', 'agent_status', 'agent_desc', 'agent_duration', 'agent_health', 'agent_rise', 'agent_fall'].map((n) => col(rows, 'a', n))).toEqual([
      'DRAIN (agent)',
      50,
      undefined,
      'CHECKED',
      'No status change',
      3,
      1,
      1,
      1,
    ])
    expect(col(rows, 't', 'status')).toBe('DOWN')
    expect(col(rows, 'c', 'agent_status')).toBeUndefined()
  })

  it('DOWN (agent) when the agent said down; agent maint is MAINT; servers state has the forced flags and the agent weight', () => {
    const down = { status: 'L7STS', desc: 'Layer7 wrong status', info: 'via agent : down', health: 0 }
    const rows = statRows(statsInput(CONFIG, { health: { be: { a: { state: 'STOPPED', up: false, usable: false, agent: down } } } }))
    expect([col(rows, 'a', 'status'), col(rows, 'a', 'last_agt'), col(rows, 'a', 'agent_code')]).toEqual(['DOWN (agent)', 'via agent : down', 0])
    const input = statsInput(CONFIG, { health: { be: { a: { agentAdmin: 'maint', agentWeight: 20, state: 'STOPPED', up: false, usable: false, agent: { ...down, status: 'CHECKED', health: 1 } } } } })
    expect(col(statRows(input), 'a', 'status')).toBe('MAINT')
    const fields = renderServersState(input).split('\n')[2]?.split(' ')
    // srv_admin_state (FMAINT), srv_uweight, srv_iweight
    expect([fields?.[6], fields?.[7], fields?.[8]]).toEqual(['1', '20', '100'])
    const drained = renderServersState(statsInput(CONFIG, { health: { be: { a: { agentAdmin: 'drain', usable: false } } } }))
      .split('\n')[2]
      ?.split(' ')
    expect(drained?.[6]).toBe('8')
  })
})

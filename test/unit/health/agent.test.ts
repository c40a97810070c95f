/**
 * Agent checks: the reply grammar (tcpcheck.c `tcpcheck_agent_expect_reply`), weights
 * (`server_parse_weight_change_request`), how a reply changes the server (admin state, weight,
 * then health), and the monitor running agents next to health checks over a fake connect().
 */
import { describe, expect, it } from 'vitest'
import { type AgentOutcome, agentLine, agentWeight, applyAgentOutcome, parseAgentReply } from '../../../src/health/agent.ts'
import { MonitorCore } from '../../../src/health/monitor.ts'
import type { HealthPlan, ServerPlan } from '../../../src/health/plan.ts'
import { initialHealth, isUp, isUsable, type ServerHealth, statusText } from '../../../src/health/state.ts'
import { fakeNet, MemoryAlarm, MemoryStore, manualClock, type Peer } from './fakes.ts'

const T0 = 1_700_000_000_000

describe('agent reply grammar', () => {
  it.each([
    ['up', { health: 'up', description: '' }],
    ['DOWN', { health: 'down', description: '' }],
    ['stopped', { health: 'stopped', description: '' }],
    ['fail # disk full', { health: 'fail', description: 'disk full' }],
    ['75%', { weight: '75%', description: '' }],
    ['drain', { admin: 'drain', description: '' }],
    ['maint', { admin: 'maint', description: '' }],
    ['ready,up 100%', { health: 'up', admin: 'ready', weight: '100%', description: '' }],
    ['up\t50%  maxconn:30', { health: 'up', weight: '50%', maxconn: '30', description: '' }],
    ['down up', { health: 'up', description: '' }],
    ['50% 20%', { weight: '20%', description: '' }],
    ['hello up world', { health: 'up', error: 'hello', description: '' }],
    ['# only a description', { description: 'only a description' }],
    ['', { description: '' }],
  ])('%j', (line, want) => {
    expect(parseAgentReply(line)).toEqual(want)
  })

  it('a reply is the first line, ended by CR or LF', () => {
    expect(agentLine('up 50%\r\nignored')).toBe('up 50%')
    expect(agentLine('drain\n')).toBe('drain')
    expect(agentLine('up')).toBeUndefined()
  })

  it('weights: N% of the configured weight, capped at 256; static algorithms only 0% and 100%', () => {
    expect(agentWeight('50%', 10, true)).toEqual({ weight: 5 })
    expect(agentWeight('75%', 1, true)).toEqual({ weight: 0 })
    expect(agentWeight('1000%', 100, true)).toEqual({ weight: 256 })
    expect(agentWeight('0%', 10, false)).toEqual({ weight: 0 })
    expect(agentWeight('100%', 10, false)).toEqual({ weight: 10 })
    expect(agentWeight('50%', 10, false)).toEqual({ warning: "Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n" })
    expect(agentWeight('5%x', 10, true)).toEqual({ warning: 'Trailing garbage in weight string' })
  })
})

function srv(over: Partial<ServerPlan> = {}): ServerPlan {
  return {
    name: 's1',
    id: 1,
    address: '10.0.0.1',
    port: 80,
    ssl: false,
    backup: false,
    disabled: false,
    weight: 100,
    rise: 1,
    fall: 1,
    interMs: 200,
    slowstartMs: 0,
    timeouts: { connectMs: 100, totalMs: 100 },
    onError: 'fail-check',
    errorLimit: 10,
    agent: { address: '10.0.0.1', port: 9999, interMs: 200, timeouts: { connectMs: 100, totalMs: 100 } },
    ...over,
  }
}

const reply = (line: string): AgentOutcome => ({ result: { status: 'CHECKED', durationMs: 1 }, line })
const start = (s: ServerPlan): ServerHealth => ({ ...initialHealth(s, false, T0), agent: { health: 1, status: 'INI', info: '', nextCheck: T0 } })

describe('applying agent replies', () => {
  it('50% → weight 50; drain → DRAIN (agent); down → DOWN (agent); up 100% with ready → UP at full weight', () => {
    const s = srv()
    let h = start(s)
    h = applyAgentOutcome(h, s, reply('50%'), true, T0).health
    expect(h).toMatchObject({ agentWeight: 50, state: 'RUNNING', agent: { status: 'CHECKED', info: '', health: 1 } })
    expect(isUsable(h)).toBe(true)
    h = applyAgentOutcome(h, s, reply('drain'), true, T0).health
    expect(h.agentAdmin).toBe('drain')
    expect([isUp(h), isUsable(h), statusText(h, s)]).toEqual([true, false, 'DRAIN (agent)'])
    const down = applyAgentOutcome(h, s, reply('down'), true, T0 + 1)
    h = down.health
    expect(down.transition).toBe('DOWN')
    expect(h).toMatchObject({ state: 'STOPPED', agent: { status: 'L7STS', info: 'via agent : down', health: 0 } })
    expect(statusText(h, s)).toBe('DOWN (agent)')
    const up = applyAgentOutcome(h, s, reply('ready up 100%'), true, T0 + 2)
    h = up.health
    expect(up.transition).toBe('UP')
    expect(h).toMatchObject({ state: 'RUNNING', agentWeight: 100, agent: { status: 'L7OK', info: 'via agent : up', health: 1 } })
    expect(h.agentAdmin).toBeUndefined()
    expect(isUsable(h)).toBe(true)
  })

  it('maint takes the server out of everything; ready brings it back when the agent is up', () => {
    const s = srv()
    let h = applyAgentOutcome(start(s), s, reply('maint'), true, T0).health
    expect([h.state, isUp(h), statusText(h, s)]).toEqual(['STOPPED', false, 'MAINT'])
    h = applyAgentOutcome(h, s, reply('ready'), true, T0 + 1).health
    expect([h.state, isUp(h), isUsable(h)]).toEqual(['RUNNING', true, true])
  })

  it('a failure to reach the agent changes nothing; an incomplete line keeps the last status', () => {
    const s = srv()
    const h = applyAgentOutcome(start(s), s, reply('down'), true, T0).health
    const refused = applyAgentOutcome(h, s, { result: { status: 'L4CON', info: 'connect ECONNREFUSED', durationMs: 1 } }, true, T0 + 1).health
    expect(refused).toMatchObject({ state: 'STOPPED', agent: { status: 'L4CON', health: 0 } })
    const up = applyAgentOutcome(start(s), s, { result: { status: 'L4CON', durationMs: 1 } }, true, T0).health
    expect(up.state).toBe('RUNNING')
    const partial = applyAgentOutcome(h, s, { result: { status: 'CHECKED', durationMs: 1 }, incomplete: true }, true, T0 + 2).health
    expect(partial.agent).toMatchObject({ status: 'L7STS', info: 'Ignoring incomplete line from agent' })
  })

  it('errors and warnings go to the info; a failed weight keeps the old one', () => {
    const s = srv()
    expect(applyAgentOutcome(start(s), s, reply('hello'), true, T0).health.agent?.info).toBe('agent reports an error : hello')
    const stat = applyAgentOutcome(start(s), s, reply('50%'), false, T0).health
    expect(stat.agentWeight).toBeUndefined()
    expect(stat.agent?.info).toBe("agent warns : Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n")
    expect(applyAgentOutcome(start(s), s, reply('up hello # fine'), true, T0).health.agent?.info).toBe('via agent : up (hello)')
    expect(applyAgentOutcome(start(s), s, reply('down # disk full'), true, T0).health.agent?.info).toBe('via agent : down (disk full)')
  })

  it('the agent cannot bring up a server whose health check is down, nor lift NOLB', () => {
    const s = srv({ rise: 2, fall: 3 })
    const checkDown: ServerHealth = { ...start(s), health: 0, state: 'STOPPED' }
    expect(applyAgentOutcome(checkDown, s, reply('up'), true, T0).health.state).toBe('STOPPED')
    const nolb: ServerHealth = { ...start(s), health: 4, state: 'STOPPING' }
    expect(applyAgentOutcome(nolb, s, reply('up'), true, T0).health.state).toBe('STOPPING')
  })
})

function agentPlan(servers: ServerPlan[]): HealthPlan {
  return { backend: 'be', routeMapHash: 'h', probe: { type: 'connect' }, dynamicWeights: true, spreadChecks: 0, servers }
}

describe('the monitor runs agents', () => {
  it('polls the agent at agent-inter, sends agent-send, applies the reply; a health check cannot bring up a server the agent says is down', async () => {
    let answer = 'up 50%\n'
    const peers: Record<string, Peer> = {
      '10.0.0.1:80': {},
      '10.0.0.1:9999': { reply: () => answer },
    }
    const net = fakeNet(peers)
    const clock = manualClock(T0)
    const alarm = new MemoryAlarm()
    const core = new MonitorCore({ store: new MemoryStore(), alarm, io: { fetch: async () => new Response(''), connect: net.connect, now: clock.now }, random: () => 0.5 })
    const s = srv({ interMs: 1000, agent: { address: '10.0.0.1', port: 9999, interMs: 300, send: 'hello\n', timeouts: { connectMs: 100, totalMs: 100 } } })
    await core.configure(agentPlan([s]))
    const r = await core.runDue()
    expect([...r.checked].sort()).toEqual(['s1', 's1 (agent)'])
    expect(net.attempts.map((a) => a.port).sort()).toEqual([80, 9999])
    const agentConn = net.attempts.findIndex((a) => a.port === 9999)
    expect(new TextDecoder().decode(net.written[agentConn])).toBe('hello\n')
    let snap = (await core.snapshot())?.servers.s1
    expect(snap).toMatchObject({ usable: true, agentWeight: 50, agent: { status: 'L7OK', info: 'via agent : up', health: 1 } })
    // The agent's next poll comes first (300 ms < 1000 ms).
    expect(r.nextAlarm).toBe(T0 + 300)
    answer = 'down\n'
    clock.set(T0 + 300)
    expect((await core.runDue()).checked).toEqual(['s1 (agent)'])
    snap = (await core.snapshot())?.servers.s1
    expect(snap).toMatchObject({ up: false, usable: false, state: 'STOPPED', status: 'DOWN (agent)', agent: { status: 'L7STS', info: 'via agent : down', health: 0 } })
    clock.set(T0 + 1000)
    await core.runDue()
    expect(core.state('s1')?.state).toBe('STOPPED')
    answer = 'up 100%\n'
    clock.set(T0 + 1200)
    await core.runDue()
    expect((await core.snapshot())?.servers.s1).toMatchObject({ up: true, usable: true, state: 'RUNNING', agentWeight: 100 })
  })

  it('an agent-only server has no health check: only the agent runs (without agent-send the agent speaks first)', async () => {
    const peers = fakeNet({ '10.0.0.1:9999': { greeting: 'drain\n' } })
    const core = new MonitorCore({ store: new MemoryStore(), alarm: new MemoryAlarm(), io: { fetch: async () => new Response(''), connect: peers.connect, now: () => T0 }, random: () => 0.5 })
    await core.configure(agentPlan([srv({ agentOnly: true })]))
    expect((await core.runDue()).checked).toEqual(['s1 (agent)'])
    expect(peers.attempts.map((a) => a.port)).toEqual([9999])
    expect(new TextDecoder().decode(peers.written[0])).toBe('')
    expect((await core.snapshot())?.servers.s1).toMatchObject({ up: true, usable: false, agentAdmin: 'drain', status: 'DRAIN (agent)' })
  })
})

describe('agent state changes in the log', () => {
  it('name the agent status and reply, like HAProxy', async () => {
    const net = fakeNet({ '10.0.0.1:9999': { greeting: 'down # maintenance window\n' } })
    const logs: string[] = []
    const core = new MonitorCore({
      store: new MemoryStore(),
      alarm: new MemoryAlarm(),
      io: { fetch: async () => new Response(''), connect: net.connect, now: () => T0 },
      random: () => 0.5,
      log: (l) => logs.push(l),
    })
    await core.configure(agentPlan([srv({ agentOnly: true })]))
    await core.runDue()
    expect(logs[0]).toMatch(
      /^Server be\/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: "via agent : down \(maintenance window\)", check duration: \d+ms\. 0 active and 0 backup servers left\.$/,
    )
  })
})

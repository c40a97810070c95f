/**
 * @module
 * The agent check's probe (HAProxy's `*agent-check` rule set: connect, send `agent-send`, read
 * one line): a `connect()` to the agent's address and port through the tcp-check engine, whose
 * last rule waits for a line end (CR or LF) or the end of the stream. Never throws.
 */
import type { AgentOutcome } from '../agent.ts'
import { agentLine } from '../agent.ts'
import { bytesOf, latin1 } from '../expect.ts'
import type { AgentPlan } from '../plan.ts'
import { PROBE_GRACE_MS } from './index.ts'
import { errorText, TIMED_OUT, withDeadline } from './deadline.ts'
import type { TcpRule } from './rules.ts'
import { runTcpRules } from './tcp-engine.ts'
import type { ProbeIo } from './types.ts'

export async function runAgentProbe(agent: AgentPlan, backend: string, server: string, io: ProbeIo): Promise<AgentOutcome> {
  const start = io.now()
  let line: string | undefined
  let incomplete = false
  const rules: TcpRule[] = [{ op: 'connect', step: 0, ssl: false, implicit: true }]
  if (agent.send) rules.push({ op: 'send', step: 1, data: bytesOf(agent.send) })
  rules.push({
    op: 'expect',
    step: rules.length,
    what: ' (expect custom function)',
    evaluate({ buf, lastRead }) {
      const text = latin1(buf)
      const l = agentLine(text)
      if (l !== undefined) {
        line = l
        return { kind: 'continue', status: 'CHECKED' }
      }
      if (!lastRead) return { kind: 'wait' }
      incomplete = text.length > 0
      return { kind: 'continue', status: 'CHECKED' }
    },
  })
  const t = agent.timeouts
  const bound = (t.readMs !== undefined ? t.connectMs + t.readMs : t.totalMs) + PROBE_GRACE_MS
  try {
    const result = await withDeadline(runTcpRules(rules, 'protocol', { backend, server, address: agent.address, port: agent.port, ssl: false, timeouts: t }, io), bound)
    if (result === TIMED_OUT) return { result: { status: 'L7TOUT', durationMs: Math.max(0, io.now() - start) } }
    if (line !== undefined) return { result, line }
    if (incomplete) return { result, incomplete: true }
    // The stream ended without data (tcpcheck.c `tcpcheck_eval_recv`).
    return { result: result.status === 'CHECKED' ? { ...result, status: 'L7RSP', info: `TCPCHK got an empty response at step ${agent.send ? 2 : 1}` } : result }
  } catch (e) {
    return { result: { status: 'SOCKERR', info: errorText(e), durationMs: Math.max(0, io.now() - start) } }
  }
}

/**
 * @module
 * The probe of each check type (one table, like HAProxy's per-option rule sets) and
 * `runProbe`, which never throws and never outlives its timeouts: a probe that throws becomes
 * SOCKERR, one that hangs past its bound plus a grace period becomes a timeout.
 */
import type { ProbeSpec } from '../probe-spec.ts'
import type { CheckResult } from '../status.ts'
import { errorText, TIMED_OUT, withDeadline } from './deadline.ts'
import { runConnectOverFetch, runHttpCheck } from './http.ts'
import { mysqlRules } from './mysql.ts'
import { ldapRules, redisRules, smtpRules, sslHelloRules } from './protocols.ts'
import { type TcpRule, tcpCheckRules, withImplicitConnect } from './rules.ts'
import { type RulesetKind, runTcpRules } from './tcp-engine.ts'
import type { Probe, ProbeIo, ProbeTarget } from './types.ts'

export type { ConnectFn, FetchFn, Probe, ProbeIo, ProbeSocket, ProbeTarget } from './types.ts'

type SpecOf<T extends ProbeSpec['type']> = Extract<ProbeSpec, { type: T }>

function rulesProbe(kind: RulesetKind, build: (io: ProbeIo) => TcpRule[]): Probe {
  return (target, io) => runTcpRules(withImplicitConnect(build(io)), kind, target, io)
}

/** How each check type is probed. */
export const PROBES: { readonly [T in ProbeSpec['type']]: (spec: SpecOf<T>) => Probe } = {
  connect: () => {
    const viaConnect = rulesProbe('protocol', () => [])
    return (target, io) => (io.l4OverFetch?.(target.address) ? runConnectOverFetch(target, io) : viaConnect(target, io))
  },
  http: (spec) => (target, io) => runHttpCheck(spec.http, target, io),
  'tcp-check': (spec) => rulesProbe('tcp-check', () => tcpCheckRules(spec.steps)),
  mysql: (spec) => rulesProbe('protocol', () => mysqlRules(spec.user, spec.variant)),
  redis: () => rulesProbe('protocol', redisRules),
  smtp: () => rulesProbe('protocol', () => smtpRules()),
  ldap: () => rulesProbe('protocol', ldapRules),
  'ssl-hello': () => rulesProbe('protocol', (io) => sslHelloRules(io.now())),
  // The compiler does not keep `pgsql-check user <u>`: without the user no startup packet can be sent, so connect only.
  pgsql: () => rulesProbe('protocol', () => []),
}

export function probeFor(spec: ProbeSpec): Probe {
  const make = PROBES[spec.type] as (s: ProbeSpec) => Probe
  return make(spec)
}

/** Extra time a probe gets past its own bounds before the monitor gives up on it. */
export const PROBE_GRACE_MS = 1000

/** Runs one check. Always resolves, within the target's timeouts plus PROBE_GRACE_MS. */
export async function runProbe(spec: ProbeSpec, target: ProbeTarget, io: ProbeIo): Promise<CheckResult> {
  const start = io.now()
  const t = target.timeouts
  const bound = (t.readMs !== undefined ? t.connectMs + t.readMs : t.totalMs) + PROBE_GRACE_MS
  try {
    const r = await withDeadline(probeFor(spec)(target, io), bound)
    if (r === TIMED_OUT) return { status: 'L4TOUT', info: 'check did not finish in time', durationMs: Math.max(0, io.now() - start) }
    return r
  } catch (e) {
    return { status: 'SOCKERR', info: errorText(e), durationMs: Math.max(0, io.now() - start) }
  }
}

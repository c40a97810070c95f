/**
 * @module
 * Health checks (reference §3): check plans from a RouteMap, HAProxy's rise/fall state machine
 * and timing, the probes, passive health, snapshots for the data plane, and the runtime-free
 * core of the HealthMonitor Durable Object (durable-objects/health-monitor.ts).
 */
export { type AlarmApi, type ConfigureResult, DEFAULT_LEASE_MS, MonitorCore, type MonitorDeps, type MonitorStore, type RunResult } from './monitor.ts'
export { analyzeStatusOf, applyObservation, type PassiveOutcome } from './observe.ts'
export { backendPlan, type CheckTimeouts, type CheckTiming, type HealthPlan, healthPlans, type OnError, type ServerPlan } from './plan.ts'
export { type HttpProbeSpec, type ProbeSpec, probeSpec } from './probe-spec.ts'
export { type ConnectFn, type FetchFn, type ProbeIo, type ProbeSocket, type ProbeTarget, runProbe } from './probes/index.ts'
export { buildSnapshot, type HealthSnapshot, type ServerSnapshot, SnapshotCache, statesFromSnapshots } from './snapshot.ts'
export {
  applyResult,
  checkInterval,
  effectiveWeight,
  effectiveWeightPct,
  initialHealth,
  isUp,
  isUsable,
  type OpState,
  type ServerHealth,
  statusText,
} from './state.ts'
export { CHECK_STATUSES, type CheckResult, type CheckStatus, checkDescription, formatCheckInfo } from './status.ts'

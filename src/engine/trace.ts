/**
 * @module
 * The decision trace `edgeproxy explain` prints: one line per step, with the config line that
 * caused it. Recording is off on the Worker's hot path (a no-op tracer).
 */
import type { Origin } from '../routemap/schema.ts'

export interface TraceStep {
  readonly stage: 'frontend' | 'rule' | 'acl' | 'backend' | 'server' | 'response' | 'note'
  readonly text: string
  readonly origin?: Origin
  readonly matched?: boolean
}

export interface Tracer {
  readonly enabled: boolean
  step(s: TraceStep): void
}

export const NO_TRACE: Tracer = { enabled: false, step: () => {} }

export function createTracer(): Tracer & { readonly steps: TraceStep[] } {
  const steps: TraceStep[] = []
  return { enabled: true, steps, step: (s) => steps.push(s) }
}

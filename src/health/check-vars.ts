/**
 * @module
 * Check-scope variables and log-format strings while a check runs (tcpcheck.c
 * `tcpcheck_eval_action_kw`, `sess_build_logline` in a check's session): the variables live for
 * one check; a sample that has no value (an unset variable, a missing header) prints nothing.
 */
import type { CheckLogFormat, CheckSample } from '../routemap/schema.ts'

export interface CheckVarContext {
  readonly vars: Map<string, string>
  readonly backend: string
  readonly server: string
  /** The headers of the last response of this connection, once there is one. */
  headers?: readonly (readonly [string, string])[]
}

/** One variable operation of a check, in rule order. */
export type VarOp = { readonly op: 'set'; readonly name: string; readonly sample: CheckSample } | { readonly op: 'unset'; readonly name: string }

function lastHeader(cx: CheckVarContext, name: string, full: boolean): string | undefined {
  const want = name.toLowerCase()
  let value: string | undefined
  for (const [n, v] of cx.headers ?? []) if (n.toLowerCase() === want) value = v
  if (value === undefined || full) return value
  // res.hdr: the last comma-separated value.
  const parts = value.split(',')
  return (parts[parts.length - 1] as string).trim()
}

export function evalSample(s: CheckSample, cx: CheckVarContext): string | undefined {
  switch (s.fetch) {
    case 'str':
      return s.arg ?? ''
    case 'int':
      return String(Number(s.arg ?? 0))
    case 'be_name':
      return cx.backend
    case 'srv_name':
      return cx.server
    case 'var':
      return cx.vars.get(s.arg ?? '')
    case 'res.hdr':
      return lastHeader(cx, s.arg ?? '', false)
    case 'res.fhdr':
      return lastHeader(cx, s.arg ?? '', true)
  }
}

export function evalLogFormat(fmt: CheckLogFormat, cx: CheckVarContext): string {
  let out = ''
  for (const p of fmt) out += typeof p === 'string' ? p : (evalSample(p, cx) ?? '')
  return out
}

export function applyVarOp(op: VarOp, cx: CheckVarContext): void {
  if (op.op === 'unset') {
    cx.vars.delete(op.name)
    return
  }
  const v = evalSample(op.sample, cx)
  // A sample without a value leaves the variable as it was (set-var does nothing).
  if (v !== undefined) cx.vars.set(op.name, v)
}

/**
 * @module
 * Constant, random, time, variable and proxy-name fetches (sample.c, vars.c, frontend.c,
 * backend.c): always_true/false, str, int, bool, bin, ipv4, ipv6, meth, rand, uuid, date,
 * date_us, var, nbproc, proc, thread, stopping, fe_name, be_name, srv_name.
 */
import type { FetchDef, FetchFn, Sample } from '../types.ts'
import { canonicalIp } from './ip-text.ts'
import { argInt, argRaw, argStr, BOTH, bytesOfHex, failing, FALSE, int, ip, RES, str, TRUE } from './util.ts'

/** smp_check_const_bool: "true"/"1" or "false"/"0", case-insensitive. */
function constBool(v: string | undefined): Sample | undefined {
  const t = v?.toLowerCase()
  if (t === 'true' || t === '1') return TRUE
  if (t === 'false' || t === '0') return FALSE
  return undefined
}

/** The arguments of `date`/`http_date`: unit s (default), ms or us. */
export function timeUnit(u: string | undefined): 's' | 'ms' | 'us' | undefined {
  return u === undefined || u === 's' ? 's' : u === 'ms' || u === 'us' ? u : undefined
}

/** An RFC 4122 version 4 UUID from four random 32-bit words (ha_generate_uuid). */
function uuid4(r: () => number): string {
  const h = (x: number): string => (x >>> 0).toString(16).padStart(8, '0')
  const a = h(r())
  const b = h(((r() & 0xffff0fff) | 0x00004000) >>> 0)
  const c = h(((r() & 0x3fffffff) | 0x80000000) >>> 0)
  const d = h(r())
  return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${d}`
}

/** A fetch returning `s` every time (failing when the constant was invalid). */
const always = (s: Sample | undefined): FetchFn => (s === undefined ? failing : () => s)
const constant =
  (s: Sample | undefined): FetchDef['build'] =>
  () =>
    always(s)

export const MISC_FETCHES: readonly FetchDef[] = [
  { name: 'always_true', args: [], output: 'bool', phases: BOTH, doc: 'always true', build: constant(TRUE) },
  { name: 'always_false', args: [], output: 'bool', phases: BOTH, doc: 'always false', build: constant(FALSE) },
  {
    name: 'str',
    args: [{ kind: 'str' }],
    output: 'str',
    phases: BOTH,
    doc: 'a constant string',
    build: (args) => always(str(argRaw(args, 0) ?? '')),
  },
  {
    name: 'int',
    args: [{ kind: 'int' }],
    output: 'int',
    phases: BOTH,
    doc: 'a constant integer',
    build: (args) => always(int(argInt(args, 0) ?? 0)),
  },
  {
    name: 'bool',
    args: [{ kind: 'str' }],
    output: 'bool',
    phases: BOTH,
    doc: 'a constant boolean: true, false, 1 or 0',
    build: (args) => always(constBool(argStr(args, 0))),
  },
  {
    name: 'bin',
    args: [{ kind: 'str' }],
    output: 'bin',
    phases: BOTH,
    doc: 'constant bytes written in hex',
    build: (args) => {
      const b = bytesOfHex(argRaw(args, 0) ?? '')
      return always(b ? { type: 'bin', value: b } : undefined)
    },
  },
  {
    name: 'ipv4',
    args: [{ kind: 'ip' }],
    output: 'ip',
    phases: BOTH,
    doc: 'a constant IPv4 address',
    build: (args) => {
      const a = canonicalIp(argRaw(args, 0) ?? '')
      return always(a && !a.includes(':') ? ip(a) : undefined)
    },
  },
  {
    name: 'ipv6',
    args: [{ kind: 'ip' }],
    output: 'ip',
    phases: BOTH,
    doc: 'a constant IPv6 address',
    build: (args) => {
      const a = canonicalIp(argRaw(args, 0) ?? '')
      return always(a?.includes(':') ? ip(a) : undefined)
    },
  },
  {
    name: 'meth',
    args: [{ kind: 'str' }],
    output: 'meth',
    phases: BOTH,
    doc: 'a constant HTTP method',
    build: (args) => {
      const m = argRaw(args, 0) ?? ''
      return always(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(m) ? { type: 'meth', value: m } : undefined)
    },
  },
  {
    name: 'rand',
    args: [{ kind: 'int', optional: true }],
    output: 'int',
    phases: BOTH,
    doc: 'random integer in [0, N) (default [0, 2^32)): (rand32 * N) >> 32',
    build: (args) => {
      const n = argInt(args, 0)
      if (n === undefined) return (ctx) => int(ctx.random32() >>> 0)
      const big = BigInt.asUintN(64, BigInt(n))
      return (ctx) => int(Number(BigInt.asIntN(64, BigInt.asUintN(64, BigInt(ctx.random32() >>> 0) * big) >> 32n)))
    },
  },
  {
    name: 'uuid',
    args: [{ kind: 'int', optional: true }],
    output: 'str',
    phases: BOTH,
    doc: 'a random version 4 UUID',
    build: (args) => {
      const v = argInt(args, 0) ?? 4
      if (v !== 4) return failing
      return (ctx) => str(uuid4(() => ctx.random32()))
    },
  },
  {
    name: 'date',
    args: [
      { kind: 'int', optional: true },
      { kind: 'str', optional: true },
    ],
    output: 'int',
    phases: BOTH,
    doc: 'current time since the epoch plus <offset>, in s (default), ms or us',
    build: (args) => {
      const offset = argInt(args, 0) ?? 0
      const unit = timeUnit(argStr(args, 1))
      if (!unit) return failing
      return () => {
        const ms = Date.now()
        const v = unit === 's' ? Math.floor(ms / 1000) : unit === 'ms' ? ms : ms * 1000
        return int(v + offset)
      }
    },
  },
  {
    name: 'date_us',
    args: [],
    output: 'int',
    phases: BOTH,
    doc: 'microsecond part of the current time',
    build: () => () => int((Date.now() % 1000) * 1000),
  },
  {
    name: 'var',
    args: [{ kind: 'var' }, { kind: 'str', optional: true }],
    output: 'str',
    phases: BOTH,
    doc: 'value of a variable (keeps its type); <default> as a string when unset',
    build: (args, env) => {
      const name = String(args[0] ?? '')
      const def = argRaw(args, 1)
      const fallback = (name.startsWith('proc.') ? env.procVar?.(name) : undefined) ?? (def === undefined ? undefined : str(def))
      return (ctx) => ctx.vars.get(name) ?? fallback
    },
  },
  { name: 'nbproc', args: [], output: 'int', phases: BOTH, doc: 'number of processes (1)', build: constant(int(1)) },
  { name: 'proc', args: [], output: 'int', phases: BOTH, doc: 'process number (1)', build: constant(int(1)) },
  { name: 'thread', args: [], output: 'int', phases: BOTH, doc: 'thread number (0: one isolate thread)', build: constant(int(0)) },
  { name: 'stopping', args: [], output: 'bool', phases: BOTH, doc: 'false: a Worker is never soft-stopping', build: constant(FALSE) },
  {
    name: 'fe_name',
    args: [],
    output: 'str',
    phases: BOTH,
    doc: 'name of the frontend',
    build: () => (ctx) => str(ctx.frontend),
  },
  {
    name: 'be_name',
    args: [],
    output: 'str',
    phases: BOTH,
    doc: 'name of the backend (once chosen)',
    build: () => (ctx) => (ctx.backend === undefined ? undefined : str(ctx.backend)),
  },
  {
    name: 'srv_name',
    args: [],
    output: 'str',
    phases: RES,
    doc: 'name of the server that handled the request',
    build: () => (ctx) => (ctx.server === undefined ? undefined : str(ctx.server)),
  },
]

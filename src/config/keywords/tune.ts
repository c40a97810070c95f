/**
 * @module
 * The `tune.*` keywords of the `global` section, one entry per keyword HAProxy 2.6 knows, each with
 * the argument check HAProxy applies (cfgparse-global.c, cfgparse-ssl.c, mux_h2.c, vars.c, hlua.c,
 * pool.c, server.c, task.c, listener.c, fd.c, pattern.c, peers.c). The Workers runtime manages
 * buffers and protocol tuning, so a valid `tune.*` line is ignored with a warning; an argument that
 * HAProxy 2.6 refuses is refused here with HAProxy's words (`tune.ssl.cachesize -100000`: "expects a
 * positive numeric value."), and a `tune.*` name HAProxy 2.6 does not know is an unknown keyword.
 *
 * HAProxy reads most numbers with atol/atoi, which stop at the first non-digit ("1k" is 1, "abc" is
 * 0): {@link atol} reproduces that, so what HAProxy accepts is accepted. The table was measured with
 * `haproxy -c` (2.6.12) over every keyword × {none, 0, -1, abc, 1k, 10s, on, 2, "1 2", 99999999999};
 * test/unit/config/tune.test.ts replays that matrix.
 */
import { atoi, atol } from '../../util/c-number.ts'
import { parseTime } from '../../util/time.ts'
import { experimentalAllowed } from '../experimental.ts'
import type { Word } from '../lexer.ts'
import type { GlobalDraft } from './global-draft.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'

const NOTE = 'buffer and protocol tuning is managed by the Workers runtime'
const INT_MAX = 2_147_483_647

/** What one keyword checks; returns HAProxy's message when it refuses the arguments. */
interface TuneSpec {
  /** Refuses a second argument ("cannot handle unexpected argument"), as too_many_args(1). */
  readonly oneArg: boolean
  /** Whether the keyword is experimental (needs `expose-experimental-directives`). */
  readonly experimental?: boolean
  /** "'X' already specified. Continuing." on a second non-zero setting. */
  readonly warnTwice?: boolean
  /** A deprecation warning HAProxy prints on every use. */
  readonly deprecated?: string
  check(args: readonly Word[], name: string): string | undefined
}

const missingInt = (name: string): string => `'${name}' expects an integer argument.`

/** atol/atoi value with an optional predicate; `missing` is the message for no argument (or none). */
function number(opts: {
  readonly int32?: boolean
  readonly missing?: (n: string) => string
  readonly bad?: (v: number) => ((n: string) => string) | undefined
  readonly oneArg?: boolean
  readonly warnTwice?: boolean
}): TuneSpec {
  return {
    oneArg: opts.oneArg ?? true,
    ...(opts.warnTwice ? { warnTwice: true } : {}),
    check(args, name) {
      const a = args[0]
      if (a === undefined || a.text === '') {
        if (opts.missing) return opts.missing(name)
      }
      const text = a?.text ?? ''
      const v = opts.int32 ? atoi(text) : atol(text)
      return opts.bad?.(v)?.(name)
    },
  }
}

const positive = (n: string): string => `'${n}' expects a positive numeric value.`

/** Plain atol settings: an argument is required, its value is taken as C reads it. */
const plainLong = (warnTwice = false): TuneSpec => number({ missing: missingInt, warnTwice })

/** The SSL integers (cfgparse-ssl.c ssl_parse_global_int): atoi, negative refused. */
const sslInt = (): TuneSpec => number({ int32: true, missing: missingInt, bad: (v) => (v < 0 ? positive : undefined) })

function range(lo: number, hi: number, missing: 'range' | 'int' | 'ok', period = true): TuneSpec {
  const msg = (n: string): string => `'${n}' expects a numeric value between ${lo} and ${hi}${period ? '.' : ''}`
  return number({
    int32: true,
    ...(missing === 'range' ? { missing: msg } : missing === 'int' ? { missing: missingInt } : {}),
    bad: (v) => (v < lo || v > hi ? msg : undefined),
  })
}

function onOff(experimental = false): TuneSpec {
  return {
    oneArg: true,
    ...(experimental ? { experimental: true } : {}),
    check(args, name) {
      const t = args[0]?.text ?? ''
      return t === 'on' || t === 'off' ? undefined : `'${name}' expects either 'on' or 'off' but got '${t}'.`
    },
  }
}

/** The first character parse_time_err stops on, or undefined when the text is a valid time. */
function badTimeChar(text: string): string | undefined {
  const m = /^(\d+)(.*)$/s.exec(text)
  if (!m) return text[0]
  const rest = m[2] as string
  if (rest === '' || /^(us|ms|s|m|h|d)/.test(rest)) return undefined
  return rest[0]
}

function timer(opts: {
  readonly unit: 'ms' | 's'
  readonly missing: (n: string) => string
  readonly badChar: (n: string, c: string) => string
  readonly overflow: (n: string, t: string) => string
  readonly max?: number
  readonly maxMsg?: (n: string) => string
  readonly oneArg: boolean
}): TuneSpec {
  return {
    oneArg: opts.oneArg,
    check(args, name) {
      const t = args[0]?.text ?? ''
      if (t === '') return opts.missing(name)
      const c = badTimeChar(t)
      if (c !== undefined) return opts.badChar(name, c)
      const r = parseTime(t, opts.unit)
      if (!r.ok) return opts.overflow(name, t)
      const v = opts.unit === 's' ? r.value / 1000 : r.value
      if (opts.max !== undefined && v > opts.max) return opts.maxMsg?.(name)
      return undefined
    },
  }
}

const luaTimeout = (): TuneSpec =>
  timer({
    unit: 'ms',
    oneArg: false,
    missing: (n) => `${n}: invalid timeout`,
    badChar: (n) => `${n}: invalid timeout`,
    overflow: (n, t) => `timer overflow in argument <${t}> to <${n}> (maximum value is 2147483647 ms or ~24.8 days)`,
  })

/** tune.vars.*-max-size (vars.c): no argument is 0; otherwise digits only, an optional sign. */
const varsSize = (): TuneSpec => ({
  oneArg: false,
  check(args, name) {
    const t = args[0]?.text
    if (t === undefined || t === '' || /^[+-]?\d+$/.test(t)) return undefined
    return `${name}: '${t}' is an invalid size`
  },
})

/** Every `tune.*` keyword of HAProxy 2.6 (tune.chksize, removed, is in legacy.ts). */
export const TUNE_SPECS: Readonly<Record<string, TuneSpec>> = {
  'tune.buffers.limit': plainLong(),
  'tune.buffers.reserve': plainLong(),
  // bufsize is an int (atol's low 32 bits), rounded up to a multiple of 2 pointers before the checks.
  'tune.bufsize': number({
    int32: true,
    missing: missingInt,
    bad: (v) => {
      const rounded = (v + 15) & -16
      if (rounded <= 0) return (n) => `'${n}' expects a positive integer argument.`
      if (rounded >= 256 * 1024 * 1024) return () => `global.tune.bufsize must be below 256 MB when HTTP is in use (current value = ${rounded}).`
      // Measured: below 352 bytes HAProxy 2.6 cannot build its own error pages ("Internal error:
      // invalid default message") or crashes at start-up.
      if (rounded < 352) return () => `tune.bufsize ${rounded} cannot hold HAProxy's own error pages: HAProxy 2.6 refuses it ("invalid default message") or crashes; use at least 352.`
      return undefined
    },
  }),
  'tune.comp.maxlevel': range(1, 9, 'range', false),
  'tune.fail-alloc': number({ int32: true, bad: (v) => (v < 0 || v > 100 ? (n) => `'${n}' expects a numeric value between 0 and 100.` : undefined) }),
  'tune.fd.edge-triggered': onOff(true),
  'tune.h2.header-table-size': range(4096, 65536, 'range'),
  'tune.h2.initial-window-size': number({ int32: true, bad: (v) => (v < 0 ? positive : undefined) }),
  'tune.h2.max-concurrent-streams': number({ int32: true, bad: (v) => (v < 0 ? positive : undefined) }),
  'tune.h2.max-frame-size': range(16384, 16777215, 'range'),
  'tune.http.cookielen': plainLong(),
  'tune.http.logurilen': plainLong(),
  'tune.http.maxhdr': (() => {
    const r = range(1, 32767, 'int', false)
    return {
      ...r,
      check(args: readonly Word[], name: string) {
        const e = r.check(args, name)
        if (e !== undefined) return e
        // Measured: with fewer than 5 header slots HAProxy 2.6 cannot build its own error pages.
        const v = atoi(args[0]?.text ?? '')
        return v < 5 ? `tune.http.maxhdr ${v} cannot hold the headers of HAProxy's own error pages: HAProxy 2.6 refuses it ("invalid default message"); use at least 5.` : undefined
      },
    }
  })(),
  'tune.idle-pool.shared': onOff(),
  'tune.idletimer': timer({
    unit: 'ms',
    oneArg: true,
    missing: (n) => `'${n}' expects a timer value between 0 and 65535 ms.`,
    badChar: (n, c) => `unexpected character '${c}' in argument to <${n}>.`,
    overflow: (n, t) => `timer overflow in argument <${t}> to <${n}>, maximum value is 65535 ms.`,
    max: 65535,
    maxMsg: (n) => `'${n}' expects a timer value between 0 and 65535 ms.`,
  }),
  'tune.listener.multi-queue': onOff(),
  'tune.lua.forced-yield': {
    oneArg: false,
    check: (args, name) => (args[0] === undefined || /^[+-]?\d+$/.test(args[0].text) ? undefined : `${name}: invalid number`),
  },
  'tune.lua.maxmem': {
    oneArg: false,
    check(args, name) {
      const t = args[0]?.text ?? ''
      if (t === '') return `'${name}' expects an integer argument (Lua memory size in MB).`
      const m = /^[+-]?\d*/.exec(t)?.[0] ?? ''
      return m.length === t.length && /\d/.test(m) ? undefined : `${name}: invalid number ${t} (error at '${t[m.length] ?? t[0]}')`
    },
  },
  'tune.lua.service-timeout': luaTimeout(),
  'tune.lua.session-timeout': luaTimeout(),
  'tune.lua.task-timeout': luaTimeout(),
  'tune.maxaccept': number({ missing: missingInt, warnTwice: true, bad: (v) => (v > INT_MAX ? (n) => `'${n}' expects -1 or an integer from 0 to INT_MAX.` : undefined) }),
  'tune.maxpollevents': plainLong(true),
  'tune.maxrewrite': number({ missing: missingInt, bad: (v) => (v < 0 ? (n) => `'${n}' expects a positive integer argument.` : undefined) }),
  'tune.pattern.cache-size': number({
    int32: true,
    oneArg: false,
    missing: (n) => `'${n}' expects a positive numeric value`,
    bad: (v) => (v < 0 ? (n) => `'${n}' expects a positive numeric value` : undefined),
  }),
  'tune.peers.max-updates-at-once': number({
    int32: true,
    missing: (n) => `'${n}' expects an integer argument greater than 0.`,
    bad: (v) => (v <= 0 ? (n) => `'${n}' expects an integer argument greater than 0.` : undefined),
  }),
  'tune.pipesize': plainLong(),
  'tune.pool-high-fd-ratio': fdRatio(),
  'tune.pool-low-fd-ratio': fdRatio(),
  'tune.rcvbuf.client': plainLong(true),
  'tune.rcvbuf.server': plainLong(true),
  'tune.recv_enough': plainLong(),
  'tune.runqueue-depth': plainLong(true),
  'tune.sched.low-latency': onOff(),
  'tune.sndbuf.client': plainLong(true),
  'tune.sndbuf.server': plainLong(true),
  'tune.ssl.cachesize': sslInt(),
  'tune.ssl.capture-buffer-size': sslInt(),
  'tune.ssl.capture-cipherlist-size': {
    ...sslInt(),
    deprecated: "'tune.ssl.capture-cipherlist-size' is deprecated and will be removed in version 2.7. Please use 'tune.ssl.capture-buffer-size' instead.",
  },
  // default_dh_param is unsigned: -1 is 4294967295 and passes.
  'tune.ssl.default-dh-param': number({ int32: true, missing: missingInt, bad: (v) => (v >>> 0 < 1024 ? (n) => `'${n}' expects a value >= 1024.` : undefined) }),
  'tune.ssl.force-private-cache': {
    oneArg: false,
    check: (args, name) => (args[0] === undefined ? undefined : `'${name}' cannot handle unexpected argument '${args[0].text}'.`),
  },
  'tune.ssl.hard-maxrecord': sslInt(),
  'tune.ssl.keylog': onOff(),
  'tune.ssl.lifetime': timer({
    unit: 's',
    oneArg: true,
    missing: (n) => `'${n}' expects ssl sessions <lifetime> in seconds as argument.`,
    badChar: (n, c) => `unexpected character '${c}' in argument to <${n}>.`,
    overflow: (n, t) => `timer overflow in argument '${t}' to <${n}> (maximum value is 2147483647 s or ~68 years).`,
  }),
  'tune.ssl.maxrecord': sslInt(),
  'tune.ssl.ssl-ctx-cache-size': sslInt(),
  'tune.vars.check-max-size': varsSize(),
  'tune.vars.global-max-size': varsSize(),
  'tune.vars.proc-max-size': varsSize(),
  'tune.vars.reqres-max-size': varsSize(),
  'tune.vars.sess-max-size': varsSize(),
  'tune.vars.txn-max-size': varsSize(),
}

function fdRatio(): TuneSpec {
  const msg = (n: string): string => `'${n}' expects an integer argument between 0 and 100.`
  return number({ int32: true, missing: msg, bad: (v) => (v < 0 || v > 100 ? msg : undefined) })
}

/** Keywords already set once (for HAProxy's "already specified" warning), per config. */
const seen = new WeakMap<GlobalDraft, Set<string>>()

function parseTune(st: Statement, cx: KeywordContext): void {
  const kw = st.keyword[0] as Word
  const name = kw.text
  const spec = TUNE_SPECS[name]
  if (!spec) return
  if (spec.experimental && !experimentalAllowed(cx.sv)) {
    cx.sv.diag.error('invalid-argument', kw.span, `'${name}' directive is experimental, must be allowed via a global 'expose-experimental-directives'`, {
      help: "add 'expose-experimental-directives' to the global section",
    })
    return
  }
  if (spec.deprecated) cx.sv.diag.warning('deprecated', kw.span, spec.deprecated)
  const extra = st.args[1]
  if (spec.oneArg && extra) {
    cx.sv.diag.error('too-many-arguments', extra.span, `'${name}' cannot handle unexpected argument '${extra.text}'.`)
    return
  }
  const problem = spec.check(st.args, name)
  if (problem !== undefined) {
    cx.sv.diag.error('invalid-argument', (st.args[0] ?? kw).span, problem, { help: `HAProxy 2.6 refuses this line too; at the edge '${name}' has no effect, so the line can also be removed` })
    return
  }
  if (spec.warnTwice) {
    // HAProxy warns when the setting it replaces was not zero.
    const set = seen.get(cx.global) ?? new Set<string>()
    seen.set(cx.global, set)
    if (set.has(name)) cx.sv.diag.warning('useless', kw.span, `'${name}' already specified. Continuing.`)
    if (atol(st.args[0]?.text ?? '') !== 0) set.add(name)
    else set.delete(name)
  }
}

/** One `ignored` keyword per `tune.*` name: the warning says why, the handler checks the arguments. */
export const TUNE_KEYWORDS: readonly KeywordDef[] = Object.keys(TUNE_SPECS).map((name) => ({ name, sections: ['global'], support: 'ignored', note: NOTE, parse: parseTune }))

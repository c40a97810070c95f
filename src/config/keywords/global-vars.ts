/**
 * @module
 * `set-var <proc.name> <expr>` and `set-var-fmt <proc.name> <fmt>` in `global` (vars.c
 * vars_parse_global_set_var): evaluated once, in order, while the configuration is read. Only
 * fetches that need no request (constants, `var()`, `rand`, `uuid`, dates...) can be used; the
 * results are constants in the RouteMap (`global.procVars`) that every rule reads through `var()`.
 */
import { buildRenderer } from '../../engine/log-format.ts'
import type { RequestState } from '../../engine/request-state.ts'
import type { ProcVar } from '../../routemap/schema.ts'
import { buildSampleExpr, parseSampleExpr } from '../../sample/expr.ts'
import type { BuildEnv, Sample, SampleContext } from '../../sample/types.ts'
import { reportExprErrors } from '../acl.ts'
import type { Word } from '../lexer.ts'
import { parseLogFormat } from '../log-format.ts'
import type { Services } from '../services.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'

/** Thrown by the context when an expression reads request or connection data. */
class NeedsRequest extends Error {}

/** A context with only the process variables: reading anything else throws NeedsRequest. */
function globalContext(vars: Map<string, Sample>): SampleContext & RequestState {
  const base: Record<string, unknown> = { vars, random32: () => (Math.random() * 2 ** 32) >>> 0 }
  return new Proxy(base, {
    get(target, prop) {
      if (typeof prop === 'string' && prop in target) return target[prop]
      if (prop === 'then' || typeof prop === 'symbol') return undefined
      throw new NeedsRequest(String(prop))
    },
  }) as unknown as SampleContext & RequestState
}

export function procVarSample(v: ProcVar): Sample {
  return v as Sample
}

function toProcVar(s: Sample): ProcVar | undefined {
  if (s.type === 'bin') return { type: 'str', value: new TextDecoder().decode(s.value) }
  return s
}

function buildEnv(cx: KeywordContext, sv: Services): BuildEnv {
  return {
    map: (id) => sv.maps.get(id) ?? [],
    procVar: (n) => {
      const v = cx.global.procVars.get(n)
      return v ? procVarSample(v) : undefined
    },
  }
}

function parseGlobalSetVar(st: Statement, cx: KeywordContext): void {
  const kw = (st.keyword[0] as Word).text
  const [nameW, valueW, extra] = st.args
  if (!nameW || !valueW) {
    cx.sv.diag.error('missing-argument', st.span, `'${kw}' requires a process-wide variable name ('proc.<name>') and a sample expression.`)
    return
  }
  if (extra) {
    cx.sv.diag.error('too-many-arguments', extra.span, `'${kw}' : unexpected argument '${extra.text}' (quote the ${kw === 'set-var' ? 'expression' : 'format'})`)
    return
  }
  if (!/^proc\.[A-Za-z0-9_.]+$/.test(nameW.text)) {
    cx.sv.diag.error('invalid-argument', nameW.span, `'${kw}': cannot set variable '${nameW.text}', only scope 'proc' is permitted in the global section.`)
    return
  }
  const vars = new Map<string, Sample>([...cx.global.procVars].map(([k, v]) => [k, procVarSample(v)]))
  const env = buildEnv(cx, cx.sv)
  let result: Sample | undefined
  try {
    if (kw === 'set-var') {
      const r = parseSampleExpr(valueW.text, cx.sv.registry, { phase: 'request', loadMap: cx.sv.loadMap })
      if (reportExprErrors(r.errors, valueW, cx.sv, 0) || !r.expr) return
      const out = buildSampleExpr(r.expr, cx.sv.registry, env)(globalContext(vars), false)
      result = Array.isArray(out) ? out[0] : (out as Sample | undefined)
    } else {
      const fmt = parseLogFormat(valueW, 'request', cx.sv)
      if (!fmt) return
      const render = buildRenderer(fmt, (e) => buildSampleExpr(e, cx.sv.registry, env), false)
      result = { type: 'str', value: render(globalContext(vars)) }
    }
  } catch (e) {
    if (!(e instanceof NeedsRequest)) throw e
    cx.sv.diag.error(
      'invalid-argument',
      valueW.span,
      `'${kw} ${nameW.text}' : '${valueW.text}' extracts information from the request or its connection, none of which is available in the 'global' section`,
      {
        help: 'global variables are computed once at start-up: use constants, var(), rand or uuid; set per-request variables with http-request set-var',
      },
    )
    return
  }
  // HAProxy stores nothing when the expression yields no sample.
  if (result === undefined) return
  const v = toProcVar(result)
  if (v) cx.global.procVars.set(nameW.text, v)
}

export const GLOBAL_VAR_KEYWORDS: readonly KeywordDef[] = [
  { name: 'set-var', sections: ['global'], support: 'yes', parse: parseGlobalSetVar },
  { name: 'set-var-fmt', sections: ['global'], support: 'yes', parse: parseGlobalSetVar },
]

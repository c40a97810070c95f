/**
 * @module
 * Sample expressions: `fetch(args),conv1(args),conv2` (HAProxy's sample_parse in sample.c).
 * `parseSampleExpr` runs at compile time: it checks every keyword, argument and type against the
 * registry and returns a JSON-safe SampleExpr; `buildSampleExpr` runs once per isolate and turns
 * one into a FetchFn with the casts between steps resolved in advance.
 */
import { compileRegex } from '../util/regex/index.ts'
import { parseTime } from '../util/time.ts'
import { canCast, castTo, isIpText } from './cast.ts'
import type { SampleRegistry } from './registry.ts'
import type { SampleExpr } from '../routemap/schema.ts'
import type { ArgSpec, ArgValue, BuildEnv, ConverterFn, FetchFn, Phase, Sample, SampleContext, SampleType } from './types.ts'

export type { SampleExpr }

/** A problem inside the expression text: `offset`/`length` locate it for the caller's span. */
export interface ExprError {
  readonly offset: number
  readonly length: number
  readonly message: string
  readonly suggestion?: string
}

export interface ParseExprOptions {
  /** 'any': an ACL criterion, checked against the phase where a condition uses it. */
  readonly phase: Phase | 'any'
  /** Loads a map file named by a converter argument; returns its id in the RouteMap. */
  readonly loadMap?: (path: string, regex?: 'reg' | 'regm') => { readonly id: string } | { readonly error: string }
}

export interface ParseExprResult {
  readonly expr?: SampleExpr
  /** Output type of the whole expression. */
  readonly type?: SampleType
  readonly errors: readonly ExprError[]
}

const PHASE_TEXT: Readonly<Record<Phase, string>> = { request: 'request rules', response: 'response rules' }
const VAR_NAME = /^(proc|sess|txn|req|res|check)\.[A-Za-z0-9_.]+$/

interface RawCall {
  readonly name: string
  readonly offset: number
  readonly args: readonly { readonly text: string; readonly offset: number }[]
  readonly hasParens: boolean
}

/**
 * make_arg_list's escapes: `\\ \" \' \space \r \n \t` are unescaped; any other backslash is kept
 * with its character, so regex arguments like `regsub(\.,_)` receive `\.`.
 */
function argEscape(c: string): string {
  switch (c) {
    case 'r':
      return '\r'
    case 'n':
      return '\n'
    case 't':
      return '\t'
    case '\\':
    case '"':
    case "'":
    case ' ':
      return c
    default:
      return `\\${c}`
  }
}

/** Splits `text` into keyword calls; reports syntax errors. */
function tokenize(text: string, errors: ExprError[]): RawCall[] | undefined {
  const calls: RawCall[] = []
  let i = 0
  for (;;) {
    const start = i
    while (i < text.length && /[A-Za-z0-9_.+-]/.test(text[i] as string)) i++
    const name = text.slice(start, i)
    if (!name) {
      errors.push({
        offset: start,
        length: 1,
        message:
          start >= text.length
            ? `missing ${calls.length ? "converter name after ','" : 'fetch method'} in sample expression '${text}'`
            : `unexpected character '${text[start]}' in sample expression '${text}'`,
      })
      return undefined
    }
    const args: { text: string; offset: number }[] = []
    let hasParens = false
    if (text[i] === '(') {
      hasParens = true
      i++
      let cur = ''
      let curStart = i
      let quote: string | undefined
      let closed = false
      for (; i < text.length; i++) {
        const c = text[i] as string
        if (c === '\\' && i + 1 < text.length) {
          cur += argEscape(text[++i] as string)
          continue
        }
        if (quote) {
          if (c === quote) quote = undefined
          else cur += c
          continue
        }
        if (c === '"' || c === "'") quote = c
        else if (c === ',') {
          args.push({ text: cur, offset: curStart })
          cur = ''
          curStart = i + 1
        } else if (c === ')') {
          closed = true
          break
        } else cur += c
      }
      if (!closed) {
        errors.push({ offset: start, length: text.length - start, message: `missing closing ')' after arguments to '${name}'` })
        return undefined
      }
      if (cur !== '' || args.length > 0) args.push({ text: cur, offset: curStart })
      i++ // past ')'
    }
    calls.push({ name, offset: start, args, hasParens })
    if (i >= text.length) return calls
    if (text[i] !== ',') {
      errors.push({ offset: i, length: 1, message: `unexpected character '${text[i]}' after '${name}' in sample expression '${text}' (expected ',' before a converter)` })
      return undefined
    }
    i++
  }
}

/** Validates and converts one argument. */
function parseArg(kind: ArgSpec['kind'], raw: { text: string; offset: number }, owner: string, pos: number, opts: ParseExprOptions, errors: ExprError[]): ArgValue | undefined {
  const fail = (message: string): undefined => {
    errors.push({ offset: raw.offset, length: Math.max(1, raw.text.length), message: `${message} in argument ${pos} of '${owner}'` })
    return undefined
  }
  const t = raw.text
  switch (kind) {
    case 'int':
      return /^[+-]?\d+$/.test(t) ? Number(t) : fail(`expects an integer, not '${t}'`)
    case 'time': {
      const r = parseTime(t)
      return r.ok ? r.value : fail(r.error)
    }
    case 'var':
      return VAR_NAME.test(t) ? t : fail(`invalid variable name '${t}' (expects scope.name with scope proc, sess, txn, req or res)`)
    case 'regex': {
      // the linear-time engine's verdict (src/util/regex): a syntax error, or a construct that needs backtracking
      const r = compileRegex(t)
      if (r.ok) return t
      return fail(r.refusal ? `regex '${t}' cannot be used at the edge: ${r.error}` : `invalid regex '${t}': ${r.error.replace(/^Invalid regular expression: /, '')}`)
    }
    case 'ip': {
      const [addr, mask] = t.split('/')
      return isIpText(addr ?? '') && (mask === undefined || /^\d+$/.test(mask) || isIpText(mask)) ? t : fail(`invalid IP address '${t}'`)
    }
    case 'map': {
      if (!t) return fail('expects a map file name')
      if (!opts.loadMap) return fail(`map file '${t}' cannot be loaded here`)
      // map_reg/map_regm: the file's keys are regexes (checked when loaded).
      const r = opts.loadMap(t, owner.startsWith('map_regm') ? 'regm' : owner.startsWith('map_reg') ? 'reg' : undefined)
      return 'id' in r ? r.id : fail(r.error)
    }
    default:
      return t
  }
}

function parseArgs(def: { readonly name: string; readonly args: readonly ArgSpec[] }, rawCall: RawCall, opts: ParseExprOptions, errors: ExprError[]): ArgValue[] | undefined {
  const required = def.args.filter((a) => !a.optional).length
  // arg.c make_arg_list: when an argument is mandatory, no argument (`str`, `str()`) is one empty
  // argument, which its type then accepts (a string) or refuses (an integer, an address...).
  const call = required > 0 && rawCall.args.length === 0 ? { ...rawCall, args: [{ text: '', offset: rawCall.offset + rawCall.name.length }] } : rawCall
  if (call.args.length > def.args.length) {
    const extra = call.args[def.args.length]
    errors.push({
      offset: extra?.offset ?? call.offset,
      length: 1,
      message: `'${def.name}' expects ${def.args.length === 0 ? 'no argument' : `at most ${def.args.length} argument${def.args.length > 1 ? 's' : ''}`}, got ${call.args.length}`,
    })
    return undefined
  }
  if (call.args.length < required) {
    errors.push({
      offset: call.offset,
      length: call.name.length,
      message: `missing argument${required - call.args.length > 1 ? 's' : ''} to '${def.name}': expects at least ${required}, got ${call.args.length}`,
    })
    return undefined
  }
  const out: ArgValue[] = []
  let ok = true
  call.args.forEach((a, k) => {
    const spec = def.args[k] as ArgSpec
    if (a.text === '' && spec.optional) {
      out.push('')
      return
    }
    const v = parseArg(spec.kind, a, def.name, k + 1, opts, errors)
    if (v === undefined) ok = false
    else out.push(v)
  })
  return ok ? out : undefined
}

function notSupported(kind: string, name: string, why: string): string {
  return /not supported/.test(why) ? `${kind} '${name}' is ${why}` : `${kind} '${name}' is not supported at the edge: ${why}`
}

/** Parses and type-checks `text` (no surrounding `%[ ]`). Never throws. */
export function parseSampleExpr(text: string, registry: SampleRegistry, opts: ParseExprOptions): ParseExprResult {
  const errors: ExprError[] = []
  const calls = tokenize(text, errors)
  if (!calls) return { errors }
  const [head, ...convCalls] = calls as [RawCall, ...RawCall[]]
  const fetch = registry.fetch(head.name)
  if (!fetch && head.name.startsWith('lua.')) {
    errors.push({ offset: head.offset, length: head.name.length, message: notSupported('fetch', head.name, 'Lua cannot run in a Worker: port the logic to rules or to Worker code') })
    return { errors }
  }
  if (!fetch) {
    const alias = registry.alias(head.name)
    const suggestion = registry.suggest('fetch', head.name)
    errors.push({
      offset: head.offset,
      length: head.name.length,
      message: alias
        ? `'${head.name}' is an ACL keyword, not a sample fetch: use '${alias.fetch}' (with '-m ${alias.match}' in an ACL)`
        : `unknown fetch method '${head.name}' in sample expression '${text}'`,
      ...(suggestion && !alias ? { suggestion } : {}),
    })
    return { errors }
  }
  if (fetch.unsupported) {
    errors.push({ offset: head.offset, length: head.name.length, message: notSupported('fetch', head.name, fetch.unsupported) })
    return { errors }
  }
  if (opts.phase !== 'any' && !fetch.phases.includes(opts.phase)) {
    errors.push({
      offset: head.offset,
      length: head.name.length,
      message: `fetch '${head.name}' is not available in ${PHASE_TEXT[opts.phase]} (it is valid only in ${fetch.phases.map((p) => PHASE_TEXT[p]).join(' and ')})`,
    })
    return { errors }
  }
  const fetchArgs = parseArgs(fetch, head, opts, errors)
  let type: SampleType = fetch.output
  const conv: { name: string; args: ArgValue[] }[] = []
  for (const c of convCalls) {
    const def = registry.converter(c.name)
    if (!def) {
      const suggestion = registry.suggest('converter', c.name)
      errors.push({ offset: c.offset, length: c.name.length, message: `unknown converter '${c.name}' in sample expression '${text}'`, ...(suggestion ? { suggestion } : {}) })
      return { errors }
    }
    if (def.unsupported) {
      errors.push({ offset: c.offset, length: c.name.length, message: notSupported('converter', c.name, def.unsupported) })
      return { errors }
    }
    if (!def.input.some((t) => canCast(type, t))) {
      errors.push({ offset: c.offset, length: c.name.length, message: `converter '${c.name}' cannot be applied to ${type} data (it takes ${def.input.join(', ')})` })
      return { errors }
    }
    const args = parseArgs(def, c, opts, errors)
    if (args) conv.push({ name: c.name, args })
    type = def.output === 'same' ? type : def.output
  }
  if (errors.length > 0 || !fetchArgs) return { errors }
  return { expr: { fetch: head.name, args: fetchArgs, conv }, type, errors }
}

/** The type a step receives: the input itself when accepted, else the first type it casts to. */
function inputFor(from: SampleType, accepted: readonly SampleType[]): SampleType | undefined {
  return accepted.includes(from) ? from : accepted.find((t) => canCast(from, t))
}

/** Builds the per-isolate function of a compiled expression. Throws on a RouteMap the compiler would not produce. */
export function buildSampleExpr(e: SampleExpr, registry: SampleRegistry, env: BuildEnv): FetchFn {
  const fetchDef = registry.fetch(e.fetch)
  if (!fetchDef) throw new Error(`RouteMap uses unknown fetch '${e.fetch}'`)
  const fetch = fetchDef.build(e.args, env)
  if (e.conv.length === 0) return fetch
  let type: SampleType = fetchDef.output
  const steps: { readonly want: SampleType; readonly fn: ConverterFn }[] = []
  for (const c of e.conv) {
    const def = registry.converter(c.name)
    if (!def) throw new Error(`RouteMap uses unknown converter '${c.name}'`)
    const want = inputFor(type, def.input)
    if (!want) throw new Error(`RouteMap applies '${c.name}' to ${type} data`)
    steps.push({ want, fn: def.build(c.args, env) })
    type = def.output === 'same' ? want : def.output
  }
  const convert = (s: Sample, ctx: SampleContext): Sample | undefined => {
    let cur: Sample | undefined = s
    for (const step of steps) {
      if (cur.type !== step.want) cur = castTo(cur, step.want)
      if (cur === undefined) return undefined
      cur = step.fn(cur, ctx)
      if (cur === undefined) return undefined
    }
    return cur
  }
  return (ctx, all) => {
    const r = fetch(ctx, all)
    if (r === undefined) return undefined
    if (Array.isArray(r)) {
      const out: Sample[] = []
      for (const s of r as readonly Sample[]) {
        const v = convert(s, ctx)
        if (v !== undefined) out.push(v)
      }
      return out
    }
    return convert(r as Sample, ctx)
  }
}

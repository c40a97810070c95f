/**
 * @module
 * JSON and JWT converters (sample.c): json_query(<path>[,int]) reads one value out of a JSON
 * text with mjson's path syntax ($.a.b[0]); jwt_header_query / jwt_payload_query decode a JWT
 * part and optionally query it. Strings come back as bytes, numbers as C's "%g" text (or
 * an integer with "int"), booleans as booleans; null, arrays and objects make the query fail.
 */
import { bool, int, sampleStr, str, textOf } from '../fetches/util.ts'
import type { ConverterDef, Sample } from '../types.ts'
import { base64UrlDecode } from './codec.ts'

type Step = string | number

/** mjson path: "$" then ".name" or "[index]" steps; undefined when malformed. */
export function parseJsonPath(path: string): Step[] | undefined {
  if (!path.startsWith('$')) return undefined
  const steps: Step[] = []
  let i = 1
  while (i < path.length) {
    if (path[i] === '.') {
      let j = i + 1
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++
      if (j === i + 1) return undefined
      steps.push(path.slice(i + 1, j))
      i = j
    } else if (path[i] === '[') {
      const close = path.indexOf(']', i)
      if (close < 0 || !/^\d+$/.test(path.slice(i + 1, close))) return undefined
      steps.push(Number(path.slice(i + 1, close)))
      i = close + 1
    } else return undefined
  }
  return steps
}

/** C printf("%g"). */
export function formatG(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'nan' : v > 0 ? 'inf' : '-inf'
  if (v === 0) return Object.is(v, -0) ? '-0' : '0'
  const e = v.toExponential(5)
  const x = Number(e.slice(e.indexOf('e') + 1))
  let out: string
  if (x >= -4 && x < 6) {
    out = v.toFixed(5 - x)
    if (out.includes('.')) out = out.replace(/0+$/, '').replace(/\.$/, '')
  } else {
    const [m = '', ex = '0'] = e.split('e')
    const mant = m.includes('.') ? m.replace(/0+$/, '').replace(/\.$/, '') : m
    const n = Number(ex)
    out = `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`
  }
  return out
}

const JSON_INT_MAX = 2 ** 53 - 1

/**
 * sample_conv_json_query on a JSON byte string. The text is parsed as bytes (latin1), so raw
 * UTF-8 in strings passes through unchanged and \u00XX escapes give one byte, like mjson; an
 * escape above \u00ff makes mjson give up, and so does this.
 */
export function jsonQuery(json: string, steps: readonly Step[], asInt: boolean): Sample | undefined {
  let cur: unknown
  try {
    cur = JSON.parse(json)
  } catch {
    return undefined
  }
  for (const s of steps) {
    if (typeof s === 'number') {
      if (!Array.isArray(cur) || s >= cur.length) return undefined
      cur = cur[s]
    } else {
      if (cur === null || typeof cur !== 'object' || Array.isArray(cur) || !Object.hasOwn(cur, s)) return undefined
      cur = (cur as Record<string, unknown>)[s]
    }
  }
  if (typeof cur === 'number') {
    if (asInt) {
      const n = Math.trunc(cur)
      return n < -JSON_INT_MAX || n > JSON_INT_MAX ? undefined : int(n)
    }
    return str(formatG(cur))
  }
  if (typeof cur === 'boolean') return bool(cur)
  if (typeof cur === 'string') return /[^\x00-\xff]/.test(cur) ? undefined : str(cur)
  return undefined
}

function outputInt(arg: string | number | undefined): boolean | undefined {
  if (arg === undefined || arg === '') return false
  return arg === 'int' ? true : undefined
}

function jwtPart(member: 0 | 1, name: string, doc: string): ConverterDef {
  return {
    name,
    args: [
      { kind: 'str', optional: true },
      { kind: 'str', optional: true },
    ],
    input: ['bin'],
    output: 'str',
    doc,
    build: (args) => {
      const path = args[0] === undefined || args[0] === '' ? undefined : String(args[0])
      const steps = path === undefined ? undefined : parseJsonPath(path)
      const asInt = outputInt(args[1])
      if ((path !== undefined && !steps) || asInt === undefined) return () => undefined
      return (input) => {
        const t = sampleStr(input)
        if (t === undefined) return undefined
        const part = t.split('.')[member]
        if (part === undefined || t.split('.').length < member + 1) return undefined
        const raw = base64UrlDecode(part)
        if (!raw) return undefined
        const json = textOf(raw)
        return steps ? jsonQuery(json, steps, asInt) : str(json)
      }
    },
  }
}

export const JSON_CONVERTERS: readonly ConverterDef[] = [
  {
    name: 'json_query',
    args: [{ kind: 'str' }, { kind: 'str', optional: true }],
    input: ['str'],
    output: 'str',
    doc: 'value at <json_path> ($.key[0]...) of a JSON input; "int" as second argument returns numbers as integers',
    build: (args) => {
      const steps = parseJsonPath(String(args[0] ?? ''))
      const asInt = outputInt(args[1])
      if (!steps || asInt === undefined) return () => undefined
      return (input) => {
        const t = sampleStr(input)
        return t === undefined ? undefined : jsonQuery(t, steps, asInt)
      }
    },
  },
  jwtPart(0, 'jwt_header_query', 'decoded JOSE header of a JWT, or the value at <json_path> in it'),
  jwtPart(1, 'jwt_payload_query', 'decoded claims of a JWT, or the value at <json_path> in them'),
]

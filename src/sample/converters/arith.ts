/**
 * @module
 * Integer converters (sample.c): add, sub, mul, div, mod, and, or, xor take an integer or a
 * variable name (check_operator); neg, cpl, bool, not, odd, even take nothing. Arithmetic is on
 * signed 64 bits and saturates like HAProxy (div by 0 gives LLONG_MAX, mod by 0 gives 0).
 */
import { castTo } from '../cast.ts'
import { bool, clamp64, int, LLONG_MAX, LLONG_MIN, parseWholeInt, sampleInt } from '../fetches/util.ts'
import type { ArgValue, ConverterDef, SampleContext } from '../types.ts'

/** vars.c vars_hash_name: a scope, a dot, then a name. */
export const VAR_REF = /^(proc|sess|txn|req|res|check|psess|ptxn|preq|pres)\.[A-Za-z0-9._]+$/

/** The operand of an arithmetic converter: a constant or a variable read per request. */
function operand(arg: ArgValue | undefined): ((ctx: SampleContext) => bigint | undefined) | undefined {
  if (typeof arg === 'number') {
    const c = BigInt(Math.trunc(arg))
    return () => c
  }
  const t = String(arg ?? '')
  if (VAR_REF.test(t)) {
    return (ctx) => {
      const v = ctx.vars.get(t)
      if (!v) return undefined
      const n = castTo(v, 'int')
      return n?.type === 'int' ? BigInt(Math.trunc(n.value)) : undefined
    }
  }
  const n = parseWholeInt(t)
  if (n === undefined) return undefined
  const c = BigInt(n)
  return () => c
}

function binary(name: string, doc: string, op: (a: bigint, b: bigint) => bigint): ConverterDef {
  return {
    name,
    args: [{ kind: 'str' }],
    input: ['int'],
    output: 'int',
    doc: `${doc}; <value> is an integer or a variable name`,
    build: (args) => {
      const get = operand(args[0])
      if (!get) return () => undefined
      return (input, ctx) => {
        const a = sampleInt(input)
        const b = get(ctx)
        if (a === undefined || b === undefined) return undefined
        return int(Number(op(BigInt(Math.trunc(a)), b)))
      }
    },
  }
}

function unary(name: string, doc: string, output: 'int' | 'bool', op: (a: bigint) => bigint | boolean): ConverterDef {
  return {
    name,
    args: [],
    input: ['int'],
    output,
    doc,
    build: () => (input) => {
      const a = sampleInt(input)
      if (a === undefined) return undefined
      const r = op(BigInt(Math.trunc(a)))
      return typeof r === 'boolean' ? bool(r) : int(Number(r))
    },
  }
}

const add = (a: bigint, b: bigint): bigint => clamp64(a + b)
const i64 = (v: bigint): bigint => BigInt.asIntN(64, v)

export const ARITH_CONVERTERS: readonly ConverterDef[] = [
  binary('add', 'adds <value> (saturating)', add),
  binary('sub', 'subtracts <value> (saturating)', (a, b) => clamp64(a - b)),
  binary('mul', 'multiplies by <value> (saturating)', (a, b) => clamp64(a * b)),
  binary('div', 'divides by <value> (LLONG_MAX when dividing by 0)', (a, b) => (b === 0n ? LLONG_MAX : a === LLONG_MIN && b === -1n ? LLONG_MAX : a / b)),
  binary('mod', 'remainder of the division by <value> (0 when dividing by 0)', (a, b) => (b === 0n || (a === LLONG_MIN && b === -1n) ? 0n : a % b)),
  binary('and', 'bitwise and with <value>', (a, b) => i64(a & b)),
  binary('or', 'bitwise or with <value>', (a, b) => i64(a | b)),
  binary('xor', 'bitwise xor with <value>', (a, b) => i64(a ^ b)),
  unary('neg', 'negates the integer (LLONG_MIN gives LLONG_MAX)', 'int', (a) => (a === LLONG_MIN ? LLONG_MAX : -a)),
  unary('cpl', "bitwise complement (two's complement minus one)", 'int', (a) => i64(~a)),
  unary('bool', 'true when the integer is not 0', 'bool', (a) => a !== 0n),
  unary('not', 'true when the integer is 0', 'bool', (a) => a === 0n),
  unary('odd', 'true when the integer is odd', 'bool', (a) => (a & 1n) === 1n),
  unary('even', 'true when the integer is even', 'bool', (a) => (a & 1n) === 0n),
]

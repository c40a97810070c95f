/**
 * @module
 * Variable converters (vars.c): set-var(<var>[,<cond>...]) stores the input and passes it on;
 * unset-var(<var>) removes the variable and passes the input on. Conditions follow var_set():
 * ifexists, ifnotexists, ifempty, ifnotempty, ifset, ifnotset, ifgt, iflt.
 */
import type { ConverterDef, Sample } from '../types.ts'

const CONDS = new Set(['ifexists', 'ifnotexists', 'ifempty', 'ifnotempty', 'ifset', 'ifnotset', 'ifgt', 'iflt'])

function isEmpty(s: Sample): boolean | undefined {
  if (s.type === 'str') return s.value === ''
  if (s.type === 'bin') return s.value.length === 0
  return undefined
}

/**
 * vars.c var_set with its conditions. A Map entry is a set variable (HAProxy's "exists but unset"
 * state after unset-var is not kept, so ifexists and ifset coincide here).
 */
export function allowSet(conds: readonly string[], cur: Sample | undefined, next: Sample): boolean {
  for (const c of conds) {
    switch (c) {
      case 'ifexists':
      case 'ifset':
        if (cur === undefined) return false
        break
      case 'ifnotexists':
      case 'ifnotset':
        if (cur !== undefined) return false
        break
      case 'ifempty':
        if (isEmpty(next) !== true) return false
        break
      case 'ifnotempty':
        if (isEmpty(next) === true) return false
        break
      case 'ifgt':
        if (next.type === 'int' && cur?.type === 'int' && !(cur.value > next.value)) return false
        break
      case 'iflt':
        if (next.type === 'int' && cur?.type === 'int' && !(cur.value < next.value)) return false
        break
    }
  }
  return true
}

const ANY = ['bool', 'int', 'str', 'bin', 'ip', 'meth'] as const

export const VAR_CONVERTERS: readonly ConverterDef[] = [
  {
    name: 'set-var',
    args: [{ kind: 'var' }, { kind: 'str', optional: true }, { kind: 'str', optional: true }, { kind: 'str', optional: true }, { kind: 'str', optional: true }],
    input: [...ANY],
    output: 'same',
    doc: 'stores the input in variable <var> and returns it unchanged; fails when a condition does not hold',
    build: (args) => {
      const name = String(args[0] ?? '')
      const conds = args
        .slice(1)
        .map(String)
        .filter((c) => c !== '')
      if (conds.some((c) => !CONDS.has(c))) return () => undefined
      return (input, ctx) => {
        // var_set() failing (a condition not met) makes the converter fail too
        if (!allowSet(conds, ctx.vars.get(name), input)) return undefined
        ctx.vars.set(name, input)
        return input
      }
    },
  },
  {
    name: 'unset-var',
    args: [{ kind: 'var' }],
    input: [...ANY],
    output: 'same',
    doc: 'removes variable <var> and returns the input unchanged',
    build: (args) => {
      const name = String(args[0] ?? '')
      return (input, ctx) => {
        ctx.vars.delete(name)
        return input
      }
    },
  },
]

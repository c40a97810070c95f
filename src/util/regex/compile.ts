/**
 * @module
 * Compiles the AST into a Pike VM program (pike.ts). Instructions are listed in priority order:
 * a `split` tries `x` before `y`, so the VM's leftmost-first thread order is a backtracker's
 * order. JS details kept exactly: each iteration of a quantified group clears the captures
 * inside it (`reset`), and an optional iteration that matched the empty string is rejected
 * (ECMA-262 RepeatMatcher): `mark` flags the iteration as started at the current position and
 * `check` kills the thread when nothing was consumed since (consuming clears every flag).
 * Counted repetition is expanded (at most MAX_REPEAT copies, as RE2 does); a program above
 * MAX_PROGRAM instructions is refused.
 */
import type { AssertKind, Node, ParsedRegex, Refusal, SetNode } from './ast.ts'
import { CharSet, type Ranges, caseClose, negate, normalize } from './charset.ts'

export const MAX_PROGRAM = 50_000
/** Quantifiers over a body that can match empty: each takes one bit of a thread's flags. */
export const MAX_EMPTY_LOOPS = 24

export type Inst =
  | { readonly op: 'char'; readonly set: CharSet }
  | { readonly op: 'split'; x: number; y: number }
  | { readonly op: 'jmp'; x: number }
  | { readonly op: 'save'; readonly slot: number }
  | { readonly op: 'reset'; readonly from: number; readonly to: number }
  | { readonly op: 'assert'; readonly kind: AssertKind }
  | { readonly op: 'look'; readonly behind: boolean; readonly negate: boolean; readonly sets: readonly CharSet[] }
  | { readonly op: 'mark'; readonly bit: number }
  | { readonly op: 'check'; readonly bit: number }
  | { readonly op: 'match' }

/** Opcodes of the flat program the VM runs (one array read per dispatch, no object shapes). */
export const OP = { char: 0, split: 1, jmp: 2, save: 3, reset: 4, assert: 5, look: 6, mark: 7, check: 8, match: 9 } as const

export interface Program {
  readonly insts: readonly Inst[]
  /** `insts` flattened: opcode and two operands per instruction (char: set index; split: x, y; jmp: x; save: slot; reset: from, to; assert/look: index; mark/check: bit). */
  readonly op: Uint8Array
  readonly a: Int32Array
  readonly b: Int32Array
  readonly sets: readonly CharSet[]
  readonly asserts: readonly (Inst & { op: 'assert' | 'look' })[]
  /** Capture slots: 2 per group, group 0 is the whole match. */
  readonly slots: number
  /** Every match starts at the start of the input (`^` without `m` leads every alternative). */
  readonly anchored: boolean
  /** The units a match can start with, when no match is empty: the VM skips to the next one. */
  readonly first: CharSet | undefined
}

/** The units a set matches: under `i`, closed under case (then complemented when negated). */
function setUnits(n: SetNode, icase: boolean): Ranges {
  if (!icase) return n.ranges
  const closed = caseClose(n.ranges)
  return n.negated ? negate(closed) : closed
}

/** The units the first consumed unit can be, and whether the node can match empty. */
function firstUnits(n: Node, units: (s: SetNode) => Ranges): { ranges: number[]; nullable: boolean } {
  const firstUnitsOf = (x: Node) => firstUnits(x, units)
  switch (n.t) {
    case 'set':
      return { ranges: [...units(n)], nullable: false }
    case 'seq': {
      const ranges: number[] = []
      for (const x of n.items) {
        const f = firstUnitsOf(x)
        ranges.push(...f.ranges)
        if (!f.nullable) return { ranges, nullable: false }
      }
      return { ranges, nullable: true }
    }
    case 'alt': {
      const fs = n.alts.map(firstUnitsOf)
      return { ranges: fs.flatMap((f) => f.ranges), nullable: fs.some((f) => f.nullable) }
    }
    case 'group':
      return firstUnitsOf(n.body)
    case 'rep': {
      const f = firstUnitsOf(n.body)
      return { ranges: f.ranges, nullable: f.nullable || n.min === 0 }
    }
    default:
      return { ranges: [], nullable: true }
  }
}

function nullable(n: Node): boolean {
  switch (n.t) {
    case 'set':
      return false
    case 'seq':
      return n.items.every(nullable)
    case 'alt':
      return n.alts.some(nullable)
    case 'group':
      return nullable(n.body)
    case 'rep':
      return n.min === 0 || nullable(n.body)
    default:
      return true
  }
}

/** The capture indexes inside a node: [first, last], or undefined. */
function captures(n: Node): [number, number] | undefined {
  let lo = Number.POSITIVE_INFINITY
  let hi = 0
  const walk = (x: Node): void => {
    if (x.t === 'group') {
      if (x.index > 0) {
        lo = Math.min(lo, x.index)
        hi = Math.max(hi, x.index)
      }
      walk(x.body)
    } else if (x.t === 'seq') x.items.forEach(walk)
    else if (x.t === 'alt') x.alts.forEach(walk)
    else if (x.t === 'rep') walk(x.body)
  }
  walk(n)
  return hi === 0 ? undefined : [lo, hi]
}

/** Does every match start at the input's start? */
export function anchoredAtStart(n: Node): boolean {
  switch (n.t) {
    case 'assert':
      return n.kind === 'start'
    case 'seq':
      return n.items[0] !== undefined && anchoredAtStart(n.items[0])
    case 'alt':
      return n.alts.every(anchoredAtStart)
    case 'group':
      return anchoredAtStart(n.body)
    default:
      return false
  }
}

export function compileProgram(p: ParsedRegex): Program | Refusal {
  const insts: Inst[] = []
  const sets = new Map<SetNode, CharSet>()
  const units = new Map<SetNode, Ranges>()
  const unitsOf = (n: SetNode): Ranges => {
    let r = units.get(n)
    if (!r) {
      r = setUnits(n, p.icase)
      units.set(n, r)
    }
    return r
  }
  const loopBits = new Map<Node, number>()
  let tooBig = false
  const emit = (i: Inst): number => {
    if (insts.length >= MAX_PROGRAM) tooBig = true
    else insts.push(i)
    return insts.length - 1
  }
  const charSet = (n: SetNode): CharSet => {
    let s = sets.get(n)
    if (!s) {
      s = new CharSet(unitsOf(n))
      sets.set(n, s)
    }
    return s
  }

  const iteration = (rep: Node & { t: 'rep' }, optional: boolean): void => {
    const caps = captures(rep.body)
    let bit = -1
    if (optional && nullable(rep.body)) {
      bit = loopBits.get(rep) ?? loopBits.size
      loopBits.set(rep, bit)
      emit({ op: 'mark', bit })
    }
    if (caps) emit({ op: 'reset', from: caps[0] * 2, to: caps[1] * 2 + 1 })
    gen(rep.body)
    if (bit >= 0) emit({ op: 'check', bit })
  }

  const split = (greedy: boolean): { inst: Inst & { op: 'split' }; body: (pc: number) => void; out: (pc: number) => void } => {
    const inst = { op: 'split' as const, x: -1, y: -1 }
    emit(inst)
    return {
      inst,
      body: (pc) => {
        if (greedy) inst.x = pc
        else inst.y = pc
      },
      out: (pc) => {
        if (greedy) inst.y = pc
        else inst.x = pc
      },
    }
  }

  const gen = (n: Node): void => {
    if (tooBig) return
    switch (n.t) {
      case 'set':
        emit({ op: 'char', set: charSet(n) })
        return
      case 'seq':
        for (const x of n.items) gen(x)
        return
      case 'alt': {
        const jumps: { op: 'jmp'; x: number }[] = []
        n.alts.forEach((a, k) => {
          if (k < n.alts.length - 1) {
            const s = { op: 'split' as const, x: insts.length + 1, y: -1 }
            emit(s)
            gen(a)
            const j = { op: 'jmp' as const, x: -1 }
            emit(j)
            jumps.push(j)
            s.y = insts.length
          } else gen(a)
        })
        for (const j of jumps) j.x = insts.length
        return
      }
      case 'group':
        if (n.index > 0) emit({ op: 'save', slot: n.index * 2 })
        gen(n.body)
        if (n.index > 0) emit({ op: 'save', slot: n.index * 2 + 1 })
        return
      case 'rep': {
        for (let k = 0; k < n.min; k++) iteration(n, false)
        if (n.max === Number.POSITIVE_INFINITY) {
          const top = insts.length
          const s = split(n.greedy)
          s.body(insts.length)
          iteration(n, true)
          emit({ op: 'jmp', x: top })
          s.out(insts.length)
          return
        }
        const outs: ((pc: number) => void)[] = []
        for (let k = n.min; k < n.max; k++) {
          const s = split(n.greedy)
          s.body(insts.length)
          outs.push(s.out)
          iteration(n, true)
        }
        for (const o of outs) o(insts.length)
        return
      }
      case 'assert':
        emit({ op: 'assert', kind: n.kind })
        return
      case 'look':
        emit({ op: 'look', behind: n.behind, negate: n.negate, sets: n.sets.map(charSet) })
        return
    }
  }

  emit({ op: 'save', slot: 0 })
  gen(p.root)
  emit({ op: 'save', slot: 1 })
  emit({ op: 'match' })
  if (tooBig) return { feature: 'too-complex', detail: `a regex that expands to more than ${MAX_PROGRAM} instructions` }
  if (loopBits.size > MAX_EMPTY_LOOPS) return { feature: 'too-complex', detail: `more than ${MAX_EMPTY_LOOPS} quantifiers over groups that can match empty` }
  const first = firstUnits(p.root, unitsOf)
  const n = insts.length
  const op = new Uint8Array(n)
  const a = new Int32Array(n)
  const b = new Int32Array(n)
  const setList: CharSet[] = []
  const asserts: (Inst & { op: 'assert' | 'look' })[] = []
  insts.forEach((inst, pc) => {
    op[pc] = OP[inst.op]
    switch (inst.op) {
      case 'char':
        a[pc] = setList.push(inst.set) - 1
        break
      case 'split':
        a[pc] = inst.x
        b[pc] = inst.y
        break
      case 'jmp':
        a[pc] = inst.x
        break
      case 'save':
        a[pc] = inst.slot
        break
      case 'reset':
        a[pc] = inst.from
        b[pc] = inst.to
        break
      case 'assert':
      case 'look':
        a[pc] = asserts.push(inst) - 1
        break
      case 'mark':
      case 'check':
        a[pc] = inst.bit
        break
      case 'match':
        break
    }
  })
  return { insts, op, a, b, sets: setList, asserts, slots: (p.groups + 1) * 2, anchored: anchoredAtStart(p.root), first: first.nullable ? undefined : new CharSet(normalize(first.ranges)) }
}

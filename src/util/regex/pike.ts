/**
 * @module
 * The Pike VM: runs a compiled program (compile.ts) over a string in one left-to-right pass,
 * carrying every live thread at once, in priority order. A thread that reaches an instruction
 * already reached at this position by a higher-priority thread is dropped (its future is the
 * same, and the higher one wins), so each position costs at most O(program) work: the whole
 * search is O(input × program), whatever the pattern. The first thread to reach `match` wins and
 * the threads below it are cut, which is leftmost-first (backtracking) semantics; captures are
 * copied on write.
 *
 * Empty-iteration flags (`mark`/`check`) are part of a thread's state inside one position's
 * closure, so the "already reached" key is (instruction, flags); consuming a unit clears them.
 */
import { LINE_TERMINATOR, inRanges } from './charset.ts'
import type { Inst, Program } from './compile.ts'

type Caps = number[]

const isWord = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || (c >= 0x61 && c <= 0x7a)

function wordAt(s: string, i: number): boolean {
  return i >= 0 && i < s.length && isWord(s.charCodeAt(i))
}

function assertHolds(inst: Inst & { op: 'assert' }, s: string, pos: number): boolean {
  const n = s.length
  switch (inst.kind) {
    case 'start':
      return pos === 0
    case 'end':
      return pos === n
    case 'line-start':
      return pos === 0 || inRanges(LINE_TERMINATOR, s.charCodeAt(pos - 1))
    case 'line-end':
      return pos === n || inRanges(LINE_TERMINATOR, s.charCodeAt(pos))
    case 'end-or-final-newline':
      return pos === n || (pos === n - 1 && s.charCodeAt(pos) === 10)
    case 'end-or-newline':
      return pos === n || s.charCodeAt(pos) === 10
    case 'word-boundary':
      return wordAt(s, pos - 1) !== wordAt(s, pos)
    case 'not-word-boundary':
      return wordAt(s, pos - 1) === wordAt(s, pos)
  }
}

function lookHolds(inst: Inst & { op: 'look' }, s: string, pos: number): boolean {
  const k = inst.sets.length
  const from = inst.behind ? pos - k : pos
  let ok = from >= 0 && from + k <= s.length
  for (let j = 0; ok && j < k; j++) ok = (inst.sets[j] as NonNullable<(typeof inst.sets)[number]>).has(s.charCodeAt(from + j))
  return ok !== inst.negate
}

/** Per-run scratch: thread lists and the "reached at this position" marks. */
class Run {
  /** The generation in which each instruction was last reached: a search's generations are base + position. */
  readonly seen: Float64Array
  readonly seenFlags = new Set<number>()
  base = 0
  gen = 0
  clist: Threads = { pcs: [], caps: [] }
  nlist: Threads = { pcs: [], caps: [] }
  stackPc: number[] = []
  stackCaps: Caps[] = []
  stackBits: number[] = []
  readonly prog: Program
  constructor(prog: Program) {
    this.prog = prog
    this.seen = new Float64Array(prog.insts.length).fill(-1)
  }
}

/** One list of threads: parallel arrays of pcs and captures, in priority order. */
interface Threads {
  pcs: number[]
  caps: Caps[]
}

/**
 * Adds the thread at `pc0` and everything reachable from it without consuming, in priority
 * order. Returns true if `stopOnMatch` and a match was reached.
 */
function addThread(r: Run, list: Threads, pc0: number, caps0: Caps, s: string, pos: number, withCaps: boolean, stopOnMatch: boolean): boolean {
  const { insts } = r.prog
  const nInsts = insts.length
  const sp = r.stackPc
  const sc = r.stackCaps
  const sb = r.stackBits
  sp.push(pc0)
  sc.push(caps0)
  sb.push(0)
  while (sp.length > 0) {
    const pc = sp.pop() as number
    let caps = sc.pop() as Caps
    const bits = sb.pop() as number
    const inst = insts[pc] as Inst
    if (bits === 0 || inst.op === 'char' || inst.op === 'match') {
      if (r.seen[pc] === r.gen) continue
      r.seen[pc] = r.gen
    } else {
      const key = bits * nInsts + pc
      if (r.seenFlags.has(key)) continue
      r.seenFlags.add(key)
    }
    switch (inst.op) {
      case 'char':
        list.pcs.push(pc)
        list.caps.push(caps)
        break
      case 'match':
        if (stopOnMatch) {
          sp.length = 0
          sc.length = 0
          sb.length = 0
          return true
        }
        list.pcs.push(pc)
        list.caps.push(caps)
        break
      case 'jmp':
        sp.push(inst.x)
        sc.push(caps)
        sb.push(bits)
        break
      case 'split':
        sp.push(inst.y, inst.x)
        sc.push(caps, caps)
        sb.push(bits, bits)
        break
      case 'save':
        if (withCaps) {
          caps = caps.slice()
          caps[inst.slot] = pos
        }
        sp.push(pc + 1)
        sc.push(caps)
        sb.push(bits)
        break
      case 'reset':
        if (withCaps) {
          caps = caps.slice()
          for (let k = inst.from; k <= inst.to; k++) caps[k] = -1
        }
        sp.push(pc + 1)
        sc.push(caps)
        sb.push(bits)
        break
      case 'assert':
        if (assertHolds(inst, s, pos)) {
          sp.push(pc + 1)
          sc.push(caps)
          sb.push(bits)
        }
        break
      case 'look':
        if (lookHolds(inst, s, pos)) {
          sp.push(pc + 1)
          sc.push(caps)
          sb.push(bits)
        }
        break
      case 'mark':
        sp.push(pc + 1)
        sc.push(caps)
        sb.push(bits | (1 << inst.bit))
        break
      case 'check':
        if ((bits & (1 << inst.bit)) === 0) {
          sp.push(pc + 1)
          sc.push(caps)
          sb.push(bits)
        }
        break
    }
  }
  return false
}

const NO_CAPS: Caps = []

/**
 * Searches `s` from `start` (only at `start` when `sticky`). Returns the capture slots of the
 * leftmost-first match (-1 for unset), `true` for a match when `withCaps` is false, or null.
 */
/** Scratch space per program, reused by every search (JS runs one search at a time). */
const runs = new WeakMap<Program, Run>()

export function pikeSearch(prog: Program, s: string, start: number, withCaps: boolean, sticky = false): Caps | true | null {
  let r = runs.get(prog)
  if (!r) {
    r = new Run(prog)
    runs.set(prog, r)
  }
  r.seenFlags.clear()
  const base = r.base
  r.base += s.length + 2
  const n = s.length
  const init: Caps = withCaps ? new Array<number>(prog.slots).fill(-1) : NO_CAPS
  let clist = r.clist
  let nlist = r.nlist
  clist.pcs.length = 0
  clist.caps.length = 0
  nlist.pcs.length = 0
  nlist.caps.length = 0
  let matched: Caps | null = null
  const single = sticky || prog.anchored
  const first = prog.first
  for (let pos = start; pos <= n; pos++) {
    if (first && clist.pcs.length === 0 && !single) {
      // no thread alive: skip to a unit a match can start with
      while (pos < n && !first.has(s.charCodeAt(pos))) pos++
      if (pos === n) break
      r.seenFlags.clear()
    }
    r.gen = base + pos
    if (matched === null && (pos === start || !single)) {
      if (addThread(r, clist, 0, init, s, pos, withCaps, !withCaps)) return true
    }
    if (clist.pcs.length === 0) {
      if (matched !== null || single) break
      continue
    }
    r.gen = base + pos + 1
    r.seenFlags.clear()
    const c = pos < n ? s.charCodeAt(pos) : -1
    for (let t = 0; t < clist.pcs.length; t++) {
      const pc = clist.pcs[t] as number
      const inst = prog.insts[pc] as Inst
      if (inst.op === 'match') {
        matched = clist.caps[t] as Caps
        break
      }
      if (c >= 0 && inst.op === 'char' && inst.set.has(c)) {
        if (addThread(r, nlist, pc + 1, clist.caps[t] as Caps, s, pos + 1, withCaps, !withCaps)) return true
      }
    }
    const tmp = clist
    clist = nlist
    nlist = tmp
    nlist.pcs.length = 0
    nlist.caps.length = 0
  }
  // threads that matched at the very end
  for (let t = 0; matched === null && t < clist.pcs.length; t++) {
    if ((prog.insts[clist.pcs[t] as number] as Inst).op === 'match') matched = clist.caps[t] as Caps
  }
  return matched
}

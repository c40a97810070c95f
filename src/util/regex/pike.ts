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
import { type CharSet, LINE_TERMINATOR, inRanges } from './charset.ts'
import { type Inst, OP, type Program } from './compile.ts'

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
  clist: Threads
  nlist: Threads
  /** The closure's work stack (pcs, flags, captures), grown by doubling. */
  stackPc = new Int32Array(64)
  stackBits = new Int32Array(64)
  stackCaps: Caps[] = new Array<Caps>(64)
  grow(): void {
    const pc = new Int32Array(this.stackPc.length * 2)
    pc.set(this.stackPc)
    const bits = new Int32Array(this.stackBits.length * 2)
    bits.set(this.stackBits)
    this.stackPc = pc
    this.stackBits = bits
    this.stackCaps.length = pc.length
  }
  readonly prog: Program
  constructor(prog: Program) {
    this.prog = prog
    this.seen = new Float64Array(prog.op.length).fill(-1)
    // a list holds each char/match instruction at most once
    this.clist = { pcs: new Int32Array(prog.op.length), caps: new Array<Caps>(prog.op.length), n: 0 }
    this.nlist = { pcs: new Int32Array(prog.op.length), caps: new Array<Caps>(prog.op.length), n: 0 }
  }
}

/** One list of threads: parallel arrays of pcs and captures, in priority order. */
interface Threads {
  readonly pcs: Int32Array
  readonly caps: Caps[]
  n: number
}

/**
 * Adds the thread at `pc0` and everything reachable from it without consuming, in priority
 * order. Returns true if `stopOnMatch` and a match was reached.
 */
function addThread(r: Run, list: Threads, pc0: number, caps0: Caps, s: string, pos: number, withCaps: boolean, stopOnMatch: boolean): boolean {
  const { op, a, b } = r.prog
  const nInsts = op.length
  const seen = r.seen
  const gen = r.gen
  let sp = r.stackPc
  const sc = r.stackCaps
  let sb = r.stackBits
  let top = 0
  sp[0] = pc0
  sc[0] = caps0
  sb[0] = 0
  top = 1
  while (top > 0) {
    top--
    const pc = sp[top] as number
    let caps = sc[top] as Caps
    const bits = sb[top] as number
    const o = op[pc] as number
    if (bits === 0 || o === OP.char || o === OP.match) {
      if (seen[pc] === gen) continue
      seen[pc] = gen
    } else {
      const key = bits * nInsts + pc
      if (r.seenFlags.has(key)) continue
      r.seenFlags.add(key)
    }
    let next = pc + 1
    if (top + 2 > sp.length) {
      r.grow()
      sp = r.stackPc
      sb = r.stackBits
    }
    switch (o) {
      case OP.char:
        list.pcs[list.n] = pc
        list.caps[list.n++] = caps
        continue
      case OP.match:
        if (stopOnMatch) return true
        list.pcs[list.n] = pc
        list.caps[list.n++] = caps
        continue
      case OP.jmp:
        next = a[pc] as number
        break
      case OP.split:
        sp[top] = b[pc] as number
        sc[top] = caps
        sb[top] = bits
        top++
        next = a[pc] as number
        break
      case OP.save:
        if (withCaps) {
          caps = caps.slice()
          caps[a[pc] as number] = pos
        }
        break
      case OP.reset:
        if (withCaps) {
          caps = caps.slice()
          for (let k = a[pc] as number; k <= (b[pc] as number); k++) caps[k] = -1
        }
        break
      case OP.assert: {
        const inst = r.prog.asserts[a[pc] as number] as Inst & { op: 'assert' }
        if (!assertHolds(inst, s, pos)) continue
        break
      }
      case OP.look: {
        const inst = r.prog.asserts[a[pc] as number] as Inst & { op: 'look' }
        if (!lookHolds(inst, s, pos)) continue
        break
      }
      case OP.mark:
        sp[top] = next
        sc[top] = caps
        sb[top] = bits | (1 << (a[pc] as number))
        top++
        continue
      case OP.check:
        if ((bits & (1 << (a[pc] as number))) !== 0) continue
        break
    }
    sp[top] = next
    sc[top] = caps
    sb[top] = bits
    top++
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
  clist.n = 0
  nlist.n = 0
  let matched: Caps | null = null
  const single = sticky || prog.anchored
  const first = prog.first
  for (let pos = start; pos <= n; pos++) {
    if (first && clist.n === 0 && !single) {
      // no thread alive: skip to a unit a match can start with
      while (pos < n && !first.has(s.charCodeAt(pos))) pos++
      if (pos === n) break
      r.seenFlags.clear()
    }
    r.gen = base + pos
    if (matched === null && (pos === start || !single)) {
      if (addThread(r, clist, 0, init, s, pos, withCaps, !withCaps)) return true
    }
    if (clist.n === 0) {
      if (matched !== null || single) break
      continue
    }
    r.gen = base + pos + 1
    if (r.seenFlags.size > 0) r.seenFlags.clear()
    const c = pos < n ? s.charCodeAt(pos) : -1
    for (let t = 0; t < clist.n; t++) {
      const pc = clist.pcs[t] as number
      const o = prog.op[pc]
      if (o === OP.match) {
        matched = clist.caps[t] as Caps
        break
      }
      if (c >= 0 && o === OP.char && (prog.sets[prog.a[pc] as number] as CharSet).has(c)) {
        if (addThread(r, nlist, pc + 1, clist.caps[t] as Caps, s, pos + 1, withCaps, !withCaps)) return true
      }
    }
    const tmp = clist
    clist = nlist
    nlist = tmp
    nlist.n = 0
  }
  // threads that matched at the very end
  for (let t = 0; matched === null && t < clist.n; t++) {
    if (prog.op[clist.pcs[t] as number] === OP.match) matched = clist.caps[t] as Caps
  }
  return matched
}

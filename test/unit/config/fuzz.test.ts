/**
 * A seeded fuzz test of `edgeproxy check` (issue 14, deliverable 7): a few hundred mutants of the
 * seed and example configs per run, each compiled by the real compiler. It fails on:
 * - a crash (compile throws instead of returning diagnostics);
 * - an `internal` diagnostic (the compiler produced a RouteMap its own schema refuses);
 * - a diagnostic that points outside the file (no line/column a user could go to);
 * - a RouteMap returned together with an error, or no RouteMap and no error;
 * - a silently dropped line: a statement whose keyword was replaced by a word no section knows must
 *   get an error on that line (unless an earlier error already refused the file).
 * The seed is printed with each failure, and FUZZ_SEED / FUZZ_COUNT re-run or widen it.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compile, FIXTURES } from '../../helpers/cfg.ts'
import { rng } from '../../../bench/lib/rng.ts'

const SEED = Number(process.env.FUZZ_SEED ?? 20261207)
const COUNT = Number(process.env.FUZZ_COUNT ?? 400)

const ROOT = join(FIXTURES, '..', '..')
const SEEDS: readonly { readonly name: string; readonly text: string }[] = [
  ...readdirSync(join(FIXTURES, 'seed'))
    .filter((f) => f.endsWith('.cfg'))
    .map((f) => ({ name: `seed/${f}`, text: readFileSync(join(FIXTURES, 'seed', f), 'utf8') })),
  { name: 'examples/haproxy.cfg', text: readFileSync(join(ROOT, 'examples', 'haproxy.cfg'), 'utf8') },
  { name: 'legacy/haproxy-1x.cfg', text: readFileSync(join(FIXTURES, 'legacy', 'haproxy-1x.cfg'), 'utf8') },
]

/** Every file a seed names resolves to a small valid list, so mutants reach past file loading. */
const readAnyFile = (p: string): string | undefined => (p.endsWith('.map') ? 'a b\n' : p.endsWith('.lst') || p.endsWith('.acl') ? '10.0.0.0/8\n' : undefined)

/** Words that stress the lexer and the argument parsers. */
const NASTY = [
  '',
  '""',
  "'",
  '"',
  '\\',
  '\0',
  '${',
  '${UNSET}',
  '"${HOME}"',
  '%[',
  '%[src',
  '%[req.hdr(host),lower,map(/x)]',
  '{',
  '}',
  '(',
  ')',
  'if',
  'unless',
  '!',
  '||',
  'or',
  '-m',
  '-f',
  '-i',
  '--',
  '0',
  '-1',
  '99999999999999999999',
  '1e309',
  'NaN',
  '0x',
  ':',
  ':::',
  '[::1]:80',
  '127.0.0.1:0',
  '127.0.0.1:65536',
  '10.0.0.0/33',
  '/',
  '#',
  ';',
  'é',
  '🙂',
  '\u2028',
  'a'.repeat(5000),
  '('.repeat(200),
  '.if',
  '.endif',
  '.else',
  '.diag',
  'acl',
  'use_backend',
  'server',
  'http-request',
  'stick-table',
  'track-sc0',
  'regsub(a,b)',
  'path_reg',
  '^(a+)+$',
  '[',
  '*',
  'bind',
  'frontend',
  'backend',
]

type Mutation = (lines: string[], r: () => number) => { lines: string[]; garbled?: number }

const pick = <T>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)] as T
const lineIndex = (lines: readonly string[], r: () => number): number => Math.floor(r() * lines.length)

function words(line: string): string[] {
  return line.trim().split(/\s+/)
}

const MUTATIONS: readonly Mutation[] = [
  // Delete a line.
  (l, r) => {
    const i = lineIndex(l, r)
    return { lines: [...l.slice(0, i), ...l.slice(i + 1)] }
  },
  // Duplicate a line (twice-defined names, repeated keywords).
  (l, r) => {
    const i = lineIndex(l, r)
    return { lines: [...l.slice(0, i + 1), l[i] ?? '', ...l.slice(i + 1)] }
  },
  // Move a line elsewhere (keywords out of their section).
  (l, r) => {
    const i = lineIndex(l, r)
    const j = lineIndex(l, r)
    const out = [...l]
    const [x] = out.splice(i, 1)
    out.splice(j, 0, x ?? '')
    return { lines: out }
  },
  // Replace one word by a nasty one.
  (l, r) => {
    const i = lineIndex(l, r)
    const w = words(l[i] ?? '')
    w[Math.floor(r() * w.length)] = pick(NASTY, r)
    const out = [...l]
    out[i] = `  ${w.join(' ')}`
    return { lines: out }
  },
  // Insert a nasty word.
  (l, r) => {
    const i = lineIndex(l, r)
    const w = words(l[i] ?? '')
    w.splice(Math.floor(r() * (w.length + 1)), 0, pick(NASTY, r))
    const out = [...l]
    out[i] = `  ${w.join(' ')}`
    return { lines: out }
  },
  // Drop the last words of a line (missing arguments).
  (l, r) => {
    const i = lineIndex(l, r)
    const w = words(l[i] ?? '')
    const out = [...l]
    out[i] = `  ${w.slice(0, Math.max(1, Math.floor(r() * w.length))).join(' ')}`
    return { lines: out }
  },
  // Flip bytes inside a line.
  (l, r) => {
    const i = lineIndex(l, r)
    const s = [...(l[i] ?? '')]
    for (let k = 0; k < 3 && s.length > 0; k++) s[Math.floor(r() * s.length)] = String.fromCharCode(Math.floor(r() * 128))
    const out = [...l]
    out[i] = s.join('')
    return { lines: out }
  },
  // Swap a word between two lines.
  (l, r) => {
    const i = lineIndex(l, r)
    const j = lineIndex(l, r)
    const a = words(l[i] ?? '')
    const b = words(l[j] ?? '')
    const ai = Math.floor(r() * a.length)
    const bi = Math.floor(r() * b.length)
    const t = a[ai] ?? ''
    a[ai] = b[bi] ?? ''
    b[bi] = t
    const out = [...l]
    out[i] = `  ${a.join(' ')}`
    out[j] = `  ${b.join(' ')}`
    return { lines: out }
  },
  // Garble the keyword of a statement: it must not vanish without a word.
  (l, r) => {
    const candidates = l.map((x, i) => [x, i] as const).filter(([x]) => /^\s+[a-z]/.test(x) && !/^\s*#/.test(x))
    if (candidates.length === 0) return { lines: l }
    const [line, i] = pick(candidates, r)
    const w = words(line)
    w[0] = `zz${(w[0] ?? '').replace(/[^a-z-]/g, '')}qq`
    const out = [...l]
    out[i] = `  ${w.join(' ')}`
    return { lines: out, garbled: i }
  },
]

describe(`check survives ${COUNT} seeded mutants (FUZZ_SEED=${SEED})`, () => {
  it('never crashes, never emits an internal error, and never drops a garbled line silently', () => {
    const r = rng(SEED)
    const failures: string[] = []
    let garbled = 0
    for (let n = 0; n < COUNT; n++) {
      const seed = pick(SEEDS, r)
      let lines = seed.text.split('\n')
      let garbledLine: number | undefined
      const rounds = 1 + Math.floor(r() * 3)
      for (let k = 0; k < rounds; k++) {
        const m = pick(MUTATIONS, r)(lines, r)
        lines = m.lines
        // Only the last round's garbled line is known to be in place (later rounds move lines).
        garbledLine = k === rounds - 1 ? m.garbled : undefined
      }
      const text = lines.join('\n')
      const where = `mutant #${n} of ${seed.name}`
      let res: ReturnType<typeof compileFile>
      try {
        res = compileFile(text)
      } catch (e) {
        failures.push(`${where}: crash: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}\n${text}`)
        continue
      }
      const lineCount = lines.length + 1
      for (const d of res.diagnostics) {
        if (d.code === 'internal') failures.push(`${where}: internal diagnostic: ${d.message}`)
        if (d.span.file === 'test.cfg' && (d.span.line < 1 || d.span.line > lineCount || d.span.column < 1)) {
          failures.push(`${where}: diagnostic outside the file (${d.span.line}:${d.span.column}): ${d.message}`)
        }
      }
      const hasError = res.diagnostics.some((d) => d.severity === 'error')
      if (hasError === (res.routeMap !== undefined)) failures.push(`${where}: errors=${hasError} but routeMap ${res.routeMap ? 'present' : 'absent'}`)
      if (garbledLine !== undefined) {
        garbled++
        const line = garbledLine + 1
        // The garbled line may sit inside a `.if` branch that is not taken (not read, as in HAProxy), or
        // in a section an earlier error already refused (a bad or duplicate name: its lines are
        // skipped, the file is refused anyway). Otherwise it must have its own error.
        const earlier = res.diagnostics.some((d) => d.severity === 'error' && d.span.line < line)
        if (!earlier && !inFalseBranch(lines, garbledLine) && !res.diagnostics.some((d) => d.severity === 'error' && d.span.line === line)) {
          failures.push(
            `${where}: line ${line} '${lines[garbledLine]?.trim()}' was dropped without an error${process.env.FUZZ_DUMP ? `\n${text}\n${JSON.stringify(res.diagnostics.map((d) => [d.severity, d.span.line, d.message]))}` : ''}`,
          )
        }
      }
    }
    expect(failures, failures.slice(0, 5).join('\n\n')).toEqual([])
    // The garbling mutation did run: the silent-drop check is not vacuous.
    expect(garbled).toBeGreaterThan(COUNT / 20)
  })
})

function compileFile(text: string) {
  return compile(text, { files: new Proxy({}, { get: (_t, p) => (typeof p === 'string' ? readAnyFile(p) : undefined) }) as Record<string, string> })
}

/** Whether line `i` sits in a `.if` block whose condition this test cannot see as true. */
function inFalseBranch(lines: readonly string[], i: number): boolean {
  let depth = 0
  for (let k = 0; k < i; k++) {
    const t = lines[k]?.trim() ?? ''
    if (t.startsWith('.if')) depth++
    else if (t.startsWith('.endif') && depth > 0) depth--
  }
  return depth > 0
}

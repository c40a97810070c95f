/**
 * Issue 14, hole 4, at every regex site: a pattern that backtracks exponentially in V8
 * (`^/(a+)+$`, `^(c|cc)+$`...) meets a hostile input (a's then `!`: almost a match) and answers
 * within 20 × the time of a benign input of the same length that matches (the engine walks it to
 * the end too), with an absolute bound only as a sanity guard, because it runs on the linear-time
 * engine (src/util/regex). Each site also keeps its answers.
 */
import { describe, expect, it } from 'vitest'
import { RequestState } from '../../../src/engine/request-state.ts'
import { evalHttpExpect } from '../../../src/health/expect.ts'
import { CONVERTERS } from '../../../src/sample/converters/index.ts'
import { actionRegex } from '../../../src/sample/match/action-regex.ts'
import { MATCHES } from '../../../src/sample/match/index.ts'
import type { ArgValue, BuildEnv, Sample } from '../../../src/sample/types.ts'
import { compileRegex } from '../../../src/util/regex/index.ts'

const HOSTILE = `/${'a'.repeat(5000)}!`
const BENIGN = `/${'a'.repeat(5001)}`

/** Median ms of `f` over a few runs (after one warm-up run). */
function ms(f: () => unknown): number {
  f()
  const xs: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    f()
    xs.push(performance.now() - t0)
  }
  return xs.sort((a, b) => a - b)[2] as number
}

/** Asserts `run(hostile)` costs under 20 × `run(benign)` (0.05 ms floor: timer noise) and 500 ms. */
function withinBudget(what: string, run: (s: string) => unknown, hostile = HOSTILE, benign = BENIGN): void {
  const base = Math.max(
    ms(() => run(benign)),
    0.05,
  )
  const attack = ms(() => run(hostile))
  expect(attack, `${what}: ${attack.toFixed(2)} ms vs benign ${base.toFixed(2)} ms`).toBeLessThan(20 * base)
  expect(attack, what).toBeLessThan(500)
}

const env: BuildEnv = { map: (id) => (id === 'evil.map' ? ['^/(a|aa)+$', 'evil'] : []) }
const S = (value: string): Sample => ({ type: 'str', value })
function converter(name: string, args: ArgValue[]): (s: string) => unknown {
  const d = CONVERTERS.find((c) => c.name === name)
  if (!d) throw new Error(name)
  const fn = d.build(args, env)
  const ctx = new RequestState({ method: 'GET', url: 'http://h/', headers: [], src: '127.0.0.1' }, 'fe', () => 0)
  return (s) => fn(S(s), ctx)?.value
}

describe('hostile regexes at every site', () => {
  it('are classified for the linear engine, never native RegExp', () => {
    for (const src of ['^\\/(?:a+)+(?=\\n?(?![\\s\\S]))', '^(c|cc)+$', '(a*)*b', 'a.*b', '(x+x+)+y', '^a*a*a*b']) {
      const r = compileRegex(src)
      expect(r.ok && r.regex.engine, src).toBe('linear')
    }
    for (const src of ['^/api/', '\\.(jpg|png|css)$', '^/static/.*', '^(www\\.)?example\\.com$', '^[a-z0-9.-]+$']) {
      const r = compileRegex(src)
      expect(r.ok && r.regex.engine, src).toBe('native')
    }
  })

  it('-m reg (path_reg)', () => {
    const reg = MATCHES.find((m) => m.name === 'reg')
    if (!reg) throw new Error('reg')
    const test = reg.build(
      reg.prepare(['^/(a+)+$'], { icase: false }, () => undefined),
      { icase: false },
    )
    expect(test(S('/aaa'))).toBe(true)
    expect(test(S(HOSTILE))).toBe(false)
    withinBudget('path_reg', (s) => test(S(s)))
  })

  it('regsub', () => {
    const regsub = converter('regsub', ['^/(a+)+x', '/sub'])
    expect(regsub('/aax/y')).toBe('/sub/y')
    expect(regsub(HOSTILE)).toBe(HOSTILE)
    withinBudget('regsub', regsub, HOSTILE, `/${'a'.repeat(5000)}x`)
  })

  it('map_reg', () => {
    const map = converter('map_reg', ['evil.map'])
    expect(map('/aaa')).toBe('evil')
    expect(map(HOSTILE)).toBeUndefined()
    withinBudget('map_reg', map)
  })

  it('replace-path', () => {
    const re = actionRegex('^/(a+)+$')
    expect(re.exec('/aa')?.[1]).toBe('aa')
    expect(re.exec(HOSTILE)).toBeNull()
    withinBudget('replace-path', (s) => re.exec(s))
  })

  it('http-check expect rstring', () => {
    const e = { kind: 'rstring', negate: false, pattern: '^(c|cc)+$' } as const
    const check = (body: string) => evalHttpExpect(e, { status: 200, statusText: 'OK', body, headers: [] }).status
    expect(check('cccc')).not.toBe('L7RSP')
    expect(check(`${'c'.repeat(5000)}!`)).toBe('L7RSP')
    withinBudget('expect rstring', check, `${'c'.repeat(5000)}!`, 'c'.repeat(5001))
  })
})

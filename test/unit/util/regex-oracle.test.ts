import { describe, expect, it } from 'vitest'
import { compileRegex } from '../../../src/util/regex/index.ts'
import { rng } from '../../../bench/lib/rng.ts'

const ATOMS = ['a', 'b', 'A', 'c', '.', '[ab]', '[^a]', '[a-c]', '\\d', '\\w', '\\W', '\\s', '\\n', '-', '[\\d-]', '\\x41', '[^\\s]']
const ASSERTIONS = ['^', '$', '\\b', '\\B', '(?=a)', '(?!b)', '(?<=a)', '(?<!ab)', '(?![\\s\\S])', '(?=\\n?(?![\\s\\S]))', '(?=\\n|(?![\\s\\S]))', '(?:^|(?<=\\n)(?=[\\s\\S]))']
const QUANTS = ['*', '+', '?', '{2}', '{1,}', '{0,2}', '{1,3}']

function pattern(r: () => number, depth: number, groups: { n: number }): string {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T
  const alts = r() < 0.2 ? 2 : 1
  const out: string[] = []
  for (let a = 0; a < alts; a++) {
    let seq = ''
    const len = 1 + Math.floor(r() * 4)
    for (let k = 0; k < len; k++) {
      const x = r()
      let atom: string
      let quantifiable = true
      if (x < 0.12) {
        atom = pick(ASSERTIONS)
        quantifiable = false
      } else if (x < 0.35 && depth < 3) {
        const kind = r()
        const inner = pattern(r, depth + 1, groups)
        if (kind < 0.4) atom = `(${inner})`
        else if (kind < 0.5) atom = `(?<g${groups.n++}>${inner})`
        else atom = `(?:${inner})`
      } else atom = pick(ATOMS)
      if (quantifiable && r() < 0.35) atom += pick(QUANTS) + (r() < 0.3 ? '?' : '')
      seq += atom
    }
    out.push(seq)
  }
  return out.join('|')
}

function input(r: () => number): string {
  const chars = 'aabbAc1 _-\n'
  const n = Math.floor(r() * 10)
  let s = ''
  for (let k = 0; k < n; k++) s += chars[Math.floor(r() * chars.length)]
  return s
}

const view = (m: RegExpExecArray | null) => (m ? { index: m.index, groups: [...m], named: m.groups ? { ...m.groups } : undefined } : null)

describe('linear regex engine: RegExp is the oracle', () => {
  it('gives the same match, index, captures and named groups as RegExp on random patterns (seeded)', () => {
    const r = rng(0x5eed14)
    let compared = 0
    for (let p = 0; p < 3000; p++) {
      const src = pattern(r, 0, { n: 0 })
      const flags = ['', 'i', 'm', 's', 'im', 'is', 'ms'][Math.floor(r() * 7)] as string
      let native: RegExp
      try {
        native = new RegExp(src, `${flags}g`)
      } catch {
        continue
      }
      const lin = compileRegex(src, flags, { native: 'never' })
      if (!lin.ok) throw new Error(`/${src}/${flags} refused: ${lin.error}`)
      for (let k = 0; k < 8; k++) {
        const s = input(r)
        const from = k < 6 ? 0 : Math.floor(r() * (s.length + 1))
        native.lastIndex = from
        const want = view(native.exec(s))
        expect(view(lin.regex.exec(s, from)), `/${src}/${flags} on ${JSON.stringify(s)} from ${from}`).toEqual(want)
        if (from === 0) expect(lin.regex.test(s), `test /${src}/${flags} on ${JSON.stringify(s)}`).toBe(want !== null)
        compared++
      }
    }
    expect(compared).toBeGreaterThan(20000)
  })

  it('gives the same answers with the engine compileRegex picks (native where linear, leading-star tester)', () => {
    const r = rng(0x14be)
    let tested = 0
    let testers = 0
    for (let p = 0; p < 1500; p++) {
      const src = (r() < 0.5 ? ['.*', '[^a]*?', 'a*', '(?:ab)*', '\\w*\\b'][Math.floor(r() * 5)] : '') + pattern(r, 0, { n: 0 })
      const flags = ['', 'i', 'm', 's'][Math.floor(r() * 4)] as string
      let native: RegExp
      try {
        native = new RegExp(src, flags)
      } catch {
        continue
      }
      const picked = compileRegex(src, flags)
      if (!picked.ok) throw new Error(`/${src}/${flags} refused: ${picked.error}`)
      if ((picked.regex as unknown as { tester?: RegExp }).tester) testers++
      for (let k = 0; k < 6; k++) {
        const s = input(r)
        expect(picked.regex.test(s), `test /${src}/${flags} on ${JSON.stringify(s)}`).toBe(native.test(s))
        expect(view(picked.regex.exec(s)), `exec /${src}/${flags} on ${JSON.stringify(s)}`).toEqual(view(native.exec(s)))
        tested++
      }
    }
    expect(tested).toBeGreaterThan(5000)
    expect(testers).toBeGreaterThan(100)
  })

  it('replaces like String.prototype.replace, empty matches included', () => {
    for (const [src, s] of [
      ['a*', 'baaac'],
      ['', 'abc'],
      ['(?:)', ''],
      ['b|', 'abba'],
      ['\\b', 'ab cd'],
    ] as const) {
      const lin = compileRegex(src, '', { native: 'never' })
      if (!lin.ok) throw new Error(lin.error)
      expect(
        lin.regex.replace(s, (m) => `[${m[0]}]`, true),
        src,
      ).toBe(s.replace(new RegExp(src, 'g'), (x) => `[${x}]`))
      expect(
        lin.regex.replace(s, (m) => `[${m[0]}]`, false),
        src,
      ).toBe(s.replace(new RegExp(src), (x) => `[${x}]`))
    }
  })
})

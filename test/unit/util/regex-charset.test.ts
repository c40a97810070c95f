import { describe, expect, it } from 'vitest'
import { canonicalize, caseGroupsOf } from '../../../src/util/regex/charset.ts'

describe('case folding of the linear regex engine', () => {
  it('groups exactly the units that share a canonical form (non-Unicode Canonicalize), checked against every unit', () => {
    const byCanon = new Map<number, number[]>()
    for (let c = 0; c <= 0xffff; c++) {
      const k = canonicalize(c)
      const g = byCanon.get(k)
      if (g) g.push(c)
      else byCanon.set(k, [c])
    }
    const want = new Map<number, number[]>()
    for (const g of byCanon.values()) if (g.length > 1) for (const c of g) want.set(c, g)
    const got = caseGroupsOf()
    expect(got.size).toBe(want.size)
    for (const [c, g] of want)
      expect(
        [...(got.get(c) ?? [])].sort((a, b) => a - b),
        c.toString(16),
      ).toEqual(g)
  })
})

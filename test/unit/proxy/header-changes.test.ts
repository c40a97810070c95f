import { describe, expect, it } from 'vitest'
import { applyHeaderChanges, sameHeaderLines } from '../../../src/proxy/header-changes.ts'

/*
 * applyHeaderChanges turns a copy of the client's (or origin's) Headers into the header lines the
 * rules left: whatever the rules did, the Headers must end up equal to Headers built from those
 * lines, with every value of a name in their order (Set-Cookie lines one by one).
 */
type Line = [string, string]

const view = (h: Headers) => ({ lines: [...h.entries()], cookies: h.getSetCookie() })

function check(before: Line[], after: Line[]): void {
  const h = new Headers(before)
  applyHeaderChanges(h, before, after)
  expect(view(h)).toEqual(view(new Headers(after)))
}

describe('applyHeaderChanges', () => {
  const before: Line[] = [
    ['host', 'example.com'],
    ['connection', 'keep-alive'],
    ['x-forwarded-for', '10.0.0.1'],
    ['accept', '*/*'],
  ]

  it('appends the lines the rules added (forwardfor onto an existing X-Forwarded-For)', () => {
    check(before, [...before, ['X-Forwarded-For', '127.0.0.1'], ['X-Real-IP', '127.0.0.1']])
  })

  it('drops removed names and keeps the order of each name values', () => {
    check(before, [before[0] as Line, before[2] as Line, before[3] as Line, ['Connection', 'close']])
    check(before, [before[0] as Line, before[3] as Line, ['x-forwarded-for', '1.2.3.4']])
  })

  it('rewrites a value changed in place and a name partly removed', () => {
    check(before, [before[0] as Line, ['connection', 'close'], before[2] as Line, before[3] as Line])
    const dup: Line[] = [
      ['set-cookie', 'a=1'],
      ['set-cookie', 'b=2'],
      ['server', 'nginx'],
    ]
    check(dup, [dup[1] as Line, dup[2] as Line])
    check(dup, [dup[0] as Line, dup[2] as Line, ['Set-Cookie', 'SERVERID=web1; path=/']])
  })

  it('leaves an unchanged list alone', () => {
    const h = new Headers(before)
    let touched = 0
    const spy = new Proxy(h, {
      get(t, k) {
        const v = Reflect.get(t, k)
        if (k === 'append' || k === 'delete' || k === 'set') touched++
        return typeof v === 'function' ? v.bind(t) : v
      },
    })
    applyHeaderChanges(
      spy,
      before,
      before.map(([n, v]) => [n, v]),
    )
    expect(touched).toBe(0)
  })

  it('agrees with Headers built from the lines for random rule edits', () => {
    // A fixed-seed generator: the same cases every run.
    let seed = 42
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n
    }
    const names = ['host', 'cookie', 'set-cookie', 'x-a', 'x-b', 'accept', 'via']
    const values = ['1', '2', 'a=b', 'x, y', '']
    for (let c = 0; c < 500; c++) {
      const b: Line[] = []
      for (let i = rnd(7); i > 0; i--) b.push([names[rnd(names.length)] as string, values[rnd(values.length)] as string])
      let a: Line[] = b.map(([n, v]) => [n, v])
      for (let k = rnd(4); k > 0; k--) {
        const name = names[rnd(names.length)] as string
        const value = values[rnd(values.length)] as string
        const cased = rnd(2) ? name.toUpperCase() : name
        switch (rnd(5)) {
          case 0: // add-header
            a.push([cased, value])
            break
          case 1: // del-header
            a = a.filter(([n]) => n.toLowerCase() !== name)
            break
          case 2: // set-header
            a = a.filter(([n]) => n.toLowerCase() !== name)
            a.push([cased, value])
            break
          case 3: // replace-value on one line
            if (a.length > 0) (a[rnd(a.length)] as Line)[1] = value
            break
          case 4: // one line of a name removed
            if (a.length > 0) a.splice(rnd(a.length), 1)
            break
        }
      }
      check(b, a)
    }
  })

  it('tells lines left as they were from changed ones (a Response can then go out untouched)', () => {
    expect(
      sameHeaderLines(
        before,
        before.map(([n, v]) => [n.toUpperCase() === 'HOST' ? 'Host' : n, v]),
      ),
    ).toBe(true)
    expect(sameHeaderLines(before, [...before, ['x-a', '1']])).toBe(false)
    expect(sameHeaderLines(before, before.slice(1))).toBe(false)
    expect(
      sameHeaderLines(
        before,
        before.map(([n, v]) => [n, n === 'accept' ? 'text/html' : v]),
      ),
    ).toBe(false)
    expect(sameHeaderLines(before, [before[1] as Line, before[0] as Line, before[2] as Line, before[3] as Line])).toBe(false)
  })
})

import { describe, expect, it } from 'vitest'
import { closest } from '../../../src/util/closest.ts'
import { constantTimeEqual, constantTimeEqualText } from '../../../src/util/constant-time.ts'
import { escapeHtml } from '../../../src/util/html.ts'
import { parseTime } from '../../../src/util/time.ts'

const bytes = (...b: number[]): Uint8Array => new Uint8Array(b)

describe('src/util leaves', () => {
  it('constantTimeEqual: equal exactly when the bytes are (any length, any position)', () => {
    expect(constantTimeEqual(bytes(), bytes())).toBe(true)
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 3))).toBe(true)
    expect(constantTimeEqual(bytes(1, 2, 3), bytes(1, 2, 4))).toBe(false)
    expect(constantTimeEqual(bytes(0, 2, 3), bytes(1, 2, 3))).toBe(false)
    // A prefix, or trailing zero bytes, is not equal.
    expect(constantTimeEqual(bytes(1, 2), bytes(1, 2, 3))).toBe(false)
    expect(constantTimeEqual(bytes(1, 2, 0), bytes(1, 2))).toBe(false)
    expect(constantTimeEqualText('sécret', 'sécret')).toBe(true)
    expect(constantTimeEqualText('sécret', 'secret')).toBe(false)
    expect(constantTimeEqualText('', 'a')).toBe(false)
  })

  it('escapeHtml: the five characters that matter in content and quoted attributes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;')
    expect(escapeHtml('plain text')).toBe('plain text')
  })

  it('closest: a near name within the distance the word allows, else none', () => {
    expect(closest('roundrobn', ['roundrobin', 'leastconn', 'source'])).toBe('roundrobin')
    expect(closest('LEASTCON', ['roundrobin', 'leastconn'])).toBe('leastconn')
    expect(closest('xyz', ['roundrobin', 'leastconn'])).toBeUndefined()
  })

  it('parseTime: units, the default unit, and the errors callers attach positions to', () => {
    expect(parseTime('1500')).toEqual({ ok: true, value: 1500 })
    expect(parseTime('2s')).toEqual({ ok: true, value: 2000 })
    expect(parseTime('10', 's')).toEqual({ ok: true, value: 10_000 })
    expect(parseTime('1m')).toEqual({ ok: true, value: 60_000 })
    expect(parseTime('x').ok).toBe(false)
  })
})

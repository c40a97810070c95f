import { describe, expect, it } from 'vitest'
import { decodeCookieDate, encodeCookieDate } from '../../../src/engine/cookie.ts'
import { errorResponse } from '../../../src/engine/errors.ts'

describe('built-in error pages', () => {
  it.each([
    [400, 90],
    [403, 93],
    [408, 110],
    [429, 117],
    [502, 107],
    [503, 107],
    [504, 92],
  ])('%i has HAProxy 2.6 content-length %i', (status, length) => {
    const r = errorResponse(status)
    expect(r.body.length).toBe(length)
    expect(r.headers.find(([n]) => n === 'content-length')?.[1]).toBe(String(length))
    expect(r.headers.find(([n]) => n === 'cache-control')?.[1]).toBe('no-cache')
  })

  it('uses an errorfile override as a raw HTTP response', () => {
    const r = errorResponse(503, { '503': 'HTTP/1.1 503 Down\r\nContent-Type: text/plain\r\n\r\nbe right back\n' })
    expect([r.status, r.reason, r.headers, r.body]).toEqual([503, 'Down', [['Content-Type', 'text/plain']], 'be right back\n'])
  })
})

describe('cookie dates', () => {
  it('round-trips HAProxy 5-character dates at 4-second resolution', () => {
    const t = 1_764_000_001
    const s = encodeCookieDate(t)
    expect(s).toMatch(/^[A-Za-z0-9+/]{5}$/)
    expect(decodeCookieDate(s)).toBe(t - (t % 4))
  })
})

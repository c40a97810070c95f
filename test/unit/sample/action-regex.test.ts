import { describe, expect, it } from 'vitest'
import { actionRegex } from '../../../src/sample/match/action-regex.ts'
import { errorsOf, httpConfig } from '../../helpers/cfg.ts'

describe('regexes of rewriting actions', () => {
  it("honour PCRE's leading inline options as JS flags", () => {
    expect(actionRegex('(?i)^www\\.example\\.com').test('WWW.Example.com')).toBe(true)
    expect(actionRegex('^www\\.example\\.com').test('WWW.Example.com')).toBe(false)
    expect(actionRegex('(?is)^a.b').flags).toBe('is')
    expect(actionRegex('(?i)^/old/(.*)').replace('/Old/x', (m) => `/new/${m[1]}`, false)).toBe('/new/x')
  })

  it('are refused when invalid, and accepted with (?i) by the compiler', () => {
    expect(() => actionRegex('(?i)(')).toThrow()
    expect(errorsOf(httpConfig('http-request replace-header Host (?i)^www\\.a\\.com www.b.com\nhttp-request replace-path (?i)^/old/(.*) /new/\\1'))).toEqual([])
    expect(errorsOf(httpConfig('http-request replace-path (?i)^/old/(.* /new/\\1'))[0]?.code).toBe('invalid-regex')
  })
})

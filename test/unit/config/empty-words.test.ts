import { describe, expect, it } from 'vitest'
import { compile, errorsOf, httpConfig } from '../../helpers/cfg.ts'

/* HAProxy 2.6 reads a line's arguments up to the first empty one (cfgparse.c, the keyword parsers). */
describe('arguments end at the first empty word', () => {
  it('refuses \'http-request add-header X ""\' as HAProxy does (one argument seen)', () => {
    const errs = errorsOf(httpConfig('http-request add-header X ""'))
    expect(errs.map((e) => [e.code, e.line])).toEqual([['invalid-argument', 8]])
  })

  it('skips a line that starts with an empty word', () => {
    expect(errorsOf(httpConfig('"" anything here'))).toEqual([])
  })

  it('ignores the words after an empty one (a variable that expands to nothing)', () => {
    const r = compile(httpConfig('http-request set-header X-A "${UNSET_VAR}" garbage words'), { env: {} })
    expect(r.diagnostics.filter((d) => d.severity === 'error').length).toBeGreaterThan(0)
  })
})

describe('variables of the response scope', () => {
  it('can be set in http-request rules (HAProxy keeps req.* and res.* in one store)', () => {
    expect(errorsOf(httpConfig('http-request set-var(res.x) str(a)'))).toEqual([])
  })
})

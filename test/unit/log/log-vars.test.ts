import { describe, expect, it } from 'vitest'
import { RequestRecord } from '../../../src/log/entry.ts'
import { compileLogLine } from '../../../src/log/httplog.ts'
import { LOG_VARS } from '../../../src/routemap/log-vars.ts'
import { compile, errorsOf, httpConfig } from '../../helpers/cfg.ts'

/**
 * One vocabulary of log-format variables (HAProxy 2.6 log.c logformat_keywords) for the compiler
 * and the access log: a name is matched whole, and what compiles is what renders.
 */

function frontend(lines: string) {
  const r = compile(httpConfig(`log stdout local0\n${lines}`))
  const fe = r.routeMap?.frontends[0]
  if (!fe) throw new Error(JSON.stringify(r.diagnostics))
  return fe
}

describe('log-format variables', () => {
  it('compiles %Td as the data time and the access log renders it', () => {
    const fe = frontend('log-format "%Td/%Tt %{+Q}Td"')
    expect(fe.accessLog).toEqual([{ alias: 'Td', quote: false }, { lit: '/' }, { alias: 'Tt', quote: false }, { lit: ' ' }, { alias: 'Td', quote: true }])
    const e = new RequestRecord(0)
    Object.assign(e, { Td: 7, Tt: 23 })
    expect(compileLogLine(fe.accessLog ?? [])(e)).toBe('7/23 7')
  })

  it('accepts every HAProxy 2.6 variable (haproxy -c accepts the same line)', () => {
    const all = Object.keys(LOG_VARS)
      .map((v) => `%${v}`)
      .join(' ')
    expect(errorsOf(httpConfig(`log-format "${all}"`))).toEqual([])
    expect(errorsOf(httpConfig(`http-request set-header X-T "${all}"`))).toEqual([])
  })

  it.each([
    // HAProxy 2.6: "no such format variable 'Tdx'" (not %Td then 'x'), 'Td1', 'uniqueid', '1'.
    ['%Tdx', 14, "unknown log-format variable '%Tdx'"],
    ['%Td1', 14, "unknown log-format variable '%Td1'"],
    ['%uniqueid', 14, "unknown log-format variable '%uniqueid'"],
    ['%{+Q}1', 19, "unknown log-format variable '%1'"],
    ['%ci:%Zz', 18, "unknown log-format variable '%Zz'"],
  ])('refuses %s at FILE:LINE:COL', (fmt, column, message) => {
    // `  log-format <fmt>`: the format starts at column 14.
    const errs = errorsOf(httpConfig(`log-format ${fmt}`))
    expect(errs.map((e) => ({ line: e.line, column: e.column, message: e.message }))).toEqual([{ line: 8, column, message }])
    const r = compile(httpConfig(`log-format ${fmt}`))
    expect(r.diagnostics.find((d) => d.severity === 'error')?.span.file).toBe('test.cfg')
  })

  it('refuses an unknown variable in a header value as well', () => {
    expect(errorsOf(httpConfig('http-request set-header X "%Tdx"')).map((e) => e.message)).toEqual(["unknown log-format variable '%Tdx'"])
  })

  it('compiles option httplog, and the last of it and log-format, into the RouteMap', () => {
    const httplog = frontend('option httplog').accessLog
    expect(httplog?.[0]).toEqual({ alias: 'ci', quote: false })
    expect(httplog?.at(-1)).toEqual({ alias: 'r', quote: true })
    expect(frontend('option httplog\nlog-format "%ci"').accessLog).toEqual([{ alias: 'ci', quote: false }])
    expect(frontend('log-format "%ci"\noption httplog').accessLog).toEqual(httplog)
    expect(frontend('').accessLog).toBeUndefined()
  })
})

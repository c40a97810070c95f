import { describe, expect, it } from 'vitest'
import { cfg, errorsOf } from '../../helpers/cfg.ts'

/* Rules in a named defaults section run as that section (HAProxy 2.6, reg-test startup/default_rules). */
describe('rules in a defaults section', () => {
  it("track-sc without 'table' names the defaults section's own table, which cannot exist", () => {
    const text = cfg`
      defaults invalid
          mode http
          http-request track-sc0 src
      backend be
          stick-table type ip size 100k expire 30s store http_req_rate(10s)
          server www 127.0.0.1:80
    `
    expect(errorsOf(text).map((e) => [e.code, e.line, e.column])).toEqual([['unknown-table', 3, 18]])
  })

  it("a 'table' naming a proxy's table is found", () => {
    const text = cfg`
      defaults def_back
          mode http
          http-request track-sc0 src table be
          http-request deny deny_status 429 if { sc_http_req_rate(0,be) gt 20 }
      backend be from def_back
          stick-table type ip size 100k expire 30s store http_req_rate(10s)
          server www 127.0.0.1:80
    `
    expect(errorsOf(text)).toEqual([])
  })

  it('a defaults section that no proxy uses is not checked', () => {
    const text = cfg`
      defaults invalid
          mode http
          http-request track-sc0 src
      defaults other
          mode http
      backend be
          server www 127.0.0.1:80
    `
    expect(errorsOf(text)).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { diags } from '../../helpers/cfg.ts'

/*
 * `stick-table … srvkey <name|addr>` and peers `table … srvkey` (stick_table.c), as `haproxy -c`
 * 2.6.12 judges them (errors on the table's line; a refused table also fails its `stick on`).
 */
const HEAD = 'defaults\n  mode http\n  timeout connect 5s\n  timeout server 5s\n  timeout client 5s\nfrontend fe\n  bind :80\n  default_backend be\n'
const errors = (line: string) =>
  diags(compileConfig([{ name: 't.cfg', text: `${HEAD}backend be\n  ${line}\n  stick on src\n  server s1 a.example.com:80\n` }], {}))
    .filter((d) => d.severity === 'error' && d.line === 10)
    .map((d) => [d.line, d.code, d.message])

describe('stick-table srvkey', () => {
  it("accepts 'srvkey name', HAProxy's default", () => {
    expect(errors('stick-table type ip size 1k srvkey name')).toEqual([])
  })

  it.each([
    ['stick-table type ip size 1k srvkey foo', "'stick-table' : unknown server key type 'foo'."],
    ['stick-table type ip size 1k srvkey', "'stick-table' : unknown server key type ''."],
  ])('refuses %s as HAProxy does', (line, message) => {
    expect(errors(line)).toEqual([[10, 'invalid-argument', message]])
  })

  it("refuses 'srvkey addr' as not supported (the tables keep server ids)", () => {
    expect(errors('stick-table type ip size 1k srvkey addr').map((e) => e[1])).toEqual(['not-supported'])
  })

  it('applies to peers tables too', () => {
    const text = `${HEAD}peers p\n  peer local 127.0.0.1:10000\n  table t type string size 1k srvkey name\nbackend be\n  stick on src table p/t\n  server s1 a.example.com:80\n`
    expect(diags(compileConfig([{ name: 't.cfg', text }], {})).filter((d) => d.severity === 'error')).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../src/config/parser.ts'
import { DiagnosticBag } from '../../../src/config/diagnostics.ts'
import { createSourceFile } from '../../../src/config/source.ts'
import { cfg } from '../../helpers/cfg.ts'

function parse(text: string, env: Record<string, string> = {}) {
  const diag = new DiagnosticBag()
  const ast = parseConfig([createSourceFile('p.cfg', text)], (n) => env[n], diag)
  return { ast, diag: diag.items.map((d) => `${d.severity}:${d.span.line}:${d.span.column}:${d.message}`) }
}

describe('parser', () => {
  it('groups statements into sections with names and positions', () => {
    const { ast, diag } = parse(cfg`
      global
          maxconn 100
      defaults base
          mode http
      frontend fe from base
          bind :80
      backend be
          server s 192.0.2.1:80
    `)
    expect(diag).toEqual([])
    expect(ast.sections.map((s) => [s.kind, s.args.map((a) => a.text).join(' '), s.statements.length, s.span.line])).toEqual([
      ['global', '', 1, 1],
      ['defaults', 'base', 1, 3],
      ['frontend', 'fe from base', 1, 5],
      ['backend', 'be', 1, 7],
    ])
    expect(ast.sections[3]?.statements[0]?.words.map((w) => [w.text, w.span.column])).toEqual([
      ['server', 5],
      ['s', 12],
      ['192.0.2.1:80', 14],
    ])
  })

  it('accepts every HAProxy section keyword', () => {
    const { ast } = parse('userlist u\npeers p\nresolvers r\nmailers m\nhttp-errors e\nring r\ncache c\nprogram p\n')
    expect(ast.sections.map((s) => s.kind)).toEqual(['userlist', 'peers', 'resolvers', 'mailers', 'http-errors', 'ring', 'cache', 'program'])
  })

  it('rejects a statement before any section and keeps going', () => {
    const { ast, diag } = parse('maxconn 10\nglobal\n  maxconn 20\n')
    expect(diag).toEqual(["error:1:1:unknown keyword 'maxconn' out of section"])
    expect(ast.sections).toHaveLength(1)
  })

  it('does not continue a section across files', () => {
    const diag = new DiagnosticBag()
    const ast = parseConfig([createSourceFile('a.cfg', 'backend be\n'), createSourceFile('b.cfg', '  server s 192.0.2.1:80\n')], () => undefined, diag)
    expect(ast.sections[0]?.statements).toHaveLength(0)
    expect(diag.items.map((d) => `${d.span.file}:${d.span.line}:${d.message}`)).toEqual(["b.cfg:1:unknown keyword 'server' out of section"])
  })

  it('evaluates .if/.elif/.else/.endif blocks', () => {
    const { ast, diag } = parse(
      cfg`
        global
        .if defined(PROD)
            maxconn 1000
        .elif version_atleast(2.4) && !feature(LUA)
            maxconn 200
        .else
            maxconn 1
        .endif
      `,
      {},
    )
    expect(diag).toEqual([])
    expect(ast.sections[0]?.statements.map((s) => s.words[1]?.text)).toEqual(['200'])
    const prod = parse('global\n.if defined(PROD)\n  maxconn 1000\n.endif\n', { PROD: '1' })
    expect(prod.ast.sections[0]?.statements.map((s) => s.words[1]?.text)).toEqual(['1000'])
  })

  it('reports unclosed and unbalanced conditional blocks', () => {
    expect(parse('global\n.if 1\n').diag).toEqual(["error:2:1:'.if' block is not closed"])
    expect(parse('global\n.endif\n').diag).toEqual(["error:2:1:'.endif' without '.if'"])
    expect(parse('global\n.if nosuch(x)\n.endif\n').diag).toEqual(["error:2:1:unknown predicate 'nosuch' in '.if nosuch(x)'"])
  })

  it('applies setenv to the lines that follow it', () => {
    const { ast } = parse('global\n  setenv PORT 8080\nfrontend fe\n  bind "*:${PORT}"\n')
    expect(ast.sections[1]?.statements[0]?.words[1]?.text).toBe('*:8080')
  })

  it('warns about a missing newline at the end of the file', () => {
    expect(parse('global\n  maxconn 1').diag).toEqual(['warning:2:12:missing LF on last line, file might have been truncated at position 12'])
  })
})

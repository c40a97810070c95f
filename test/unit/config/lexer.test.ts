import { describe, expect, it } from 'vitest'
import { DiagnosticBag } from '../../../src/config/diagnostics.ts'
import { tokenizeLine } from '../../../src/config/lexer.ts'

function words(line: string, env: Record<string, string> = {}): { texts: string[]; errors: string[]; warnings: string[] } {
  const diag = new DiagnosticBag()
  const ws = tokenizeLine(line, 'f.cfg', 1, (n) => env[n], diag)
  return {
    texts: ws.map((w) => w.text),
    errors: diag.items.filter((d) => d.severity === 'error').map((d) => d.message),
    warnings: diag.items.filter((d) => d.severity === 'warning').map((d) => d.message),
  }
}

describe('lexer', () => {
  it('splits on blanks and drops comments, even without a space before #', () => {
    expect(words('  server s1 10.0.0.1:80   check # comment').texts).toEqual(['server', 's1', '10.0.0.1:80', 'check'])
    expect(words('global#x').texts).toEqual(['global'])
  })

  it('keeps spaces and # inside double quotes and concatenates quoted pieces', () => {
    expect(words('http-response set-header X "a # b"').texts).toEqual(['http-response', 'set-header', 'X', 'a # b'])
    expect(words(`log-format "%{+Q}o %t"' %s'\\ %{-Q}r`).texts).toEqual(['log-format', '%{+Q}o %t %s %{-Q}r'])
  })

  it('interprets nothing inside single quotes', () => {
    expect(words(`x '$HOME \\n "q"'`, { HOME: '/root' }).texts).toEqual(['x', '$HOME \\n "q"'])
  })

  it('processes backslash escapes outside quotes and keeps unknown ones for regexes', () => {
    expect(words('stats realm Haproxy\\ Statistics').texts).toEqual(['stats', 'realm', 'Haproxy Statistics'])
    expect(words('a \\#b \\x41 c\\.d').texts).toEqual(['a', '#b', 'A', 'c\\.d'])
  })

  it('expands environment variables only inside double quotes', () => {
    const env = { PORT: '8080', LIST: 'a b  c' }
    expect(words('bind "*:${PORT}" $PORT', env).texts).toEqual(['bind', '*:8080', '$PORT'])
    expect(words('x "${MISSING-def}" "$PORT"', env).texts).toEqual(['x', 'def', '8080'])
    expect(words('x "${LIST[*]}" y', env).texts).toEqual(['x', 'a', 'b', 'c', 'y'])
  })

  it('warns when a variable is unset and expands it to nothing', () => {
    const r = words('x "${NOPE}"')
    expect(r.texts).toEqual(['x', ''])
    expect(r.warnings[0]).toContain("environment variable 'NOPE' is not set")
  })

  it('keeps an empty quoted word', () => {
    expect(words('x "" y').texts).toEqual(['x', '', 'y'])
  })

  it('reports an unmatched quote with its position', () => {
    expect(words('acl a hdr(x) "abc').errors).toEqual(['unmatched quote at position 14'])
  })

  it('reports bad hex escapes and unmatched variable braces', () => {
    expect(words('x \\xZZ').errors).toEqual(['truncated or invalid hexadecimal sequence'])
    expect(words('x "${ABC"').errors).toEqual(['unmatched brace in environment variable name'])
  })

  it('gives every word a 1-based column', () => {
    const diag = new DiagnosticBag()
    const ws = tokenizeLine('    use_backend api if is_api', 'f.cfg', 7, () => undefined, diag)
    expect(ws.map((w) => [w.span.line, w.span.column, w.span.length])).toEqual([
      [7, 5, 11],
      [7, 17, 3],
      [7, 21, 2],
      [7, 24, 6],
    ])
  })

  it('reports more than 64 words', () => {
    expect(words(`acl a path ${Array.from({ length: 70 }, (_, i) => `p${i}`).join(' ')}`).errors[0]).toMatch(/^too many words, truncating after word 64/)
  })
})

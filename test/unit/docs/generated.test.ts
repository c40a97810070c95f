import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { keywordReport } from '../../../src/config/keywords/report.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')

/* Generated files are committed; these tests fail when they drift from their sources. */
describe('generated files', () => {
  it('docs/keywords.md matches the keyword tables (run `npm run docs:keywords`)', () => {
    expect(readFileSync(join(ROOT, 'docs/keywords.md'), 'utf8')).toBe(keywordReport())
  })

  it('src/routemap/embedded.json is examples/haproxy.cfg compiled (run `npm run build:routemap`)', () => {
    const path = 'examples/haproxy.cfg'
    const r = compileConfig([{ name: path, text: readFileSync(join(ROOT, path), 'utf8') }])
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    const embedded = JSON.parse(readFileSync(join(ROOT, 'src/routemap/embedded.json'), 'utf8'))
    expect(embedded.hash).toBe(r.routeMap?.hash)
    expect(embedded).toEqual(JSON.parse(JSON.stringify(r.routeMap)))
  })
})

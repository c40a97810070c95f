/**
 * Test helpers for configs: dedented inline configs, compile with an in-memory file table, and
 * compact views of diagnostics.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type CompileResult, compileConfig } from '../../src/config/compile.ts'
import type { RouteMap } from '../../src/routemap/schema.ts'

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures')

/** Removes the common indentation of a template literal (first empty line dropped). */
export function cfg(strings: TemplateStringsArray, ...values: unknown[]): string {
  const raw = strings.reduce((acc, s, i) => acc + s + (i < values.length ? String(values[i]) : ''), '')
  const lines = raw.replace(/^\n/, '').split('\n')
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0))
  return `${lines
    .map((l) => l.slice(indent))
    .join('\n')
    .trimEnd()}\n`
}

export function compile(text: string, opts: { files?: Record<string, string>; env?: Record<string, string>; name?: string } = {}): CompileResult {
  return compileConfig([{ name: opts.name ?? 'test.cfg', text }], {
    readFile: (p) => opts.files?.[p],
    env: (n) => opts.env?.[n],
  })
}

/** The RouteMap of a config that must compile; throws with its error diagnostics otherwise. */
export function routeMapOf(text: string, opts: Parameters<typeof compile>[1] = {}): RouteMap {
  const r = compile(text, opts)
  if (!r.routeMap) throw new Error(JSON.stringify(r.diagnostics.filter((d) => d.severity === 'error')))
  return r.routeMap
}

export interface DiagView {
  readonly severity: string
  readonly code: string
  readonly line: number
  readonly column: number
  readonly message: string
}

export function diags(r: CompileResult): DiagView[] {
  return r.diagnostics.map((d) => ({ severity: d.severity, code: d.code, line: d.span.line, column: d.span.column, message: d.message }))
}

export function errorsOf(text: string, opts?: Parameters<typeof compile>[1]): DiagView[] {
  return diags(compile(text, opts)).filter((d) => d.severity === 'error')
}

export function warningsOf(text: string, opts?: Parameters<typeof compile>[1]): DiagView[] {
  return diags(compile(text, opts)).filter((d) => d.severity === 'warning')
}

export function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8')
}

/** A minimal valid HTTP config around `body` lines placed in a backend. */
export function httpConfig(frontend: string, backend = 'server s1 192.0.2.1:80'): string {
  return `defaults\n  mode http\n  timeout connect 5s\n  timeout client 5s\n  timeout server 5s\nfrontend fe\n  bind :80\n${frontend
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n  default_backend be\nbackend be\n${backend
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`
}

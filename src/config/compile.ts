/**
 * @module
 * The compiler's entry point: config files → diagnostics and, when there is no error, a RouteMap.
 * The same function serves `edgeproxy check`, `compile`, `explain`, `dev` and the tests.
 */
import { engineNames } from '../engine/known-names.ts'
import { type MapEntries, ROUTEMAP_SCHEMA, type RouteMap } from '../routemap/schema.ts'
import { formatValidationError, validateRouteMap } from '../routemap/validate.ts'
import { defaultRegistry } from '../sample/index.ts'
import { parseMapFile } from '../sample/map-file.ts'
import { canonicalJson, sha256Hex } from '../util/sha256.ts'
import { checkBudget } from './budget-check.ts'
import { type Diagnostic, DiagnosticBag } from './diagnostics.ts'
import { finalize } from './finalize.ts'
import { badMapRegex } from './map-regex.ts'
import { finalizeCaches } from './keywords/cache.ts'
import { parseConfig } from './parser.ts'
import { buildDrafts } from './sections.ts'
import type { CompileOptions, Services } from './services.ts'
import { createSourceFile, type SourceFile, spanAt } from './source.ts'

export interface ConfigInput {
  readonly name: string
  readonly text: string
}

export interface CompileResult {
  /** Present only when no error was reported. */
  readonly routeMap?: RouteMap
  /** Sorted by file, line, column. */
  readonly diagnostics: readonly Diagnostic[]
  readonly errorCount: number
  readonly files: ReadonlyMap<string, SourceFile>
}

/** Parses, checks and compiles. Never throws on bad input: every problem is a diagnostic. */
export function compileConfig(inputs: readonly ConfigInput[], options: CompileOptions = {}): CompileResult {
  const diag = new DiagnosticBag()
  const files = inputs.map((i) => createSourceFile(i.name, i.text))
  const env = createEnv(options.env ?? (() => undefined))
  const maps = new Map<string, MapEntries>()
  const sv: Services = {
    diag,
    registry: options.registry ?? defaultRegistry,
    readFile: options.readFile ?? (() => undefined),
    maps,
    addMap(path, entries) {
      maps.set(path, entries.flat())
      return path
    },
    loadMap(path, regex) {
      if (!maps.has(path)) {
        const text = sv.readFile(path)
        if (text === undefined) return { error: `failed to open map file <${path}>` }
        sv.addMap(path, parseMapFile(text))
      }
      const bad = regex ? badMapRegex(path, maps.get(path) ?? [], regex) : undefined
      return bad === undefined ? { id: path } : { error: bad }
    },
  }
  const ast = parseConfig(files, env, diag)
  const built = buildDrafts(ast, sv)
  // Before finalize: the cache rules get their section's settings.
  const caches = finalizeCaches(built.global.caches, built.proxies, sv)
  const fin = finalize(built.proxies, built.global, sv)
  const fileMap = new Map(files.map((f) => [f.name, f]))
  if (diag.hasErrors()) return { diagnostics: diag.sorted(), errorCount: diag.errorCount, files: fileMap }
  const g = built.global
  const body = {
    schema: ROUTEMAP_SCHEMA as typeof ROUTEMAP_SCHEMA,
    sources: files.map((f) => f.name),
    global: {
      ...(g.maxconn !== undefined ? { maxconn: g.maxconn } : {}),
      statsSockets: g.statsSockets,
      log: g.log,
      ...(g.spreadChecks !== undefined ? { spreadChecks: g.spreadChecks } : {}),
      ...(g.procVars.size > 0 ? { procVars: Object.fromEntries(g.procVars) } : {}),
    },
    frontends: fin.frontends,
    backends: fin.backends,
    userlists: [...g.userlists.values()].map(({ span: _s, ...u }) => u),
    ...(g.peerTables.length > 0 ? { peerTables: g.peerTables } : {}),
    maps: Object.fromEntries(maps),
    ...(caches.length > 0 ? { caches } : {}),
  }
  const canonical = canonicalJson(body)
  const hash = sha256Hex(canonical)
  const routeMap: RouteMap = { ...body, hash }
  // The output must pass the schema the Worker checks it against: a failure is a compiler bug.
  const invalid = validateRouteMap(routeMap, engineNames(sv.registry))
  if (invalid) {
    diag.error('internal', spanAt(files[0]?.name ?? '<config>', 1, 1), `internal error: the compiled RouteMap is invalid (${formatValidationError(invalid)})`, {
      help: 'this is a bug in edgeproxy: please report it with the configuration',
    })
    return { diagnostics: diag.sorted(), errorCount: diag.errorCount, files: fileMap }
  }
  // The isolate's memory: a warning above the budget, a refusal when it cannot load or be pushed (+ the hash field).
  if (checkBudget(routeMap, canonical.length + 80, diag, fileMap)) return { diagnostics: diag.sorted(), errorCount: diag.errorCount, files: fileMap }
  return { routeMap, diagnostics: diag.sorted(), errorCount: 0, files: fileMap }
}

/** The environment as HAProxy sees it: the process environment plus `setenv`-style overrides. */
function createEnv(base: (name: string) => string | undefined): (name: string) => string | undefined {
  return (name) => base(name)
}

/**
 * @module
 * What keyword handlers may use besides the current section: the sample registry, the file loader
 * (the CLI reads files; tests pass an in-memory table), and the store of map/pattern blobs that
 * ends up in the RouteMap.
 */
import type { MapEntries } from '../routemap/schema.ts'
import type { SampleRegistry } from '../sample/registry.ts'
import type { DiagnosticBag } from './diagnostics.ts'
import type { EnvLookup } from './lexer.ts'

/** Reads a file named in the config (`-f`, `map()`, `errorfile`); undefined when it is missing. */
export type FileLoader = (path: string) => string | undefined

export interface CompileOptions {
  readonly env?: EnvLookup
  readonly readFile?: FileLoader
  readonly registry?: SampleRegistry
}

export interface Services {
  readonly diag: DiagnosticBag
  readonly registry: SampleRegistry
  readonly readFile: FileLoader
  /** Stores map entries and returns their id (`<path>`; the same path gives the same id). */
  addMap(path: string, entries: readonly (readonly [string, string])[]): string
  /**
   * Reads and stores a map file named by a converter (`map_ip(FILE)`); returns its id or why not.
   * With `regex` (map_reg, map_regm), every key must compile as a regex.
   */
  loadMap(path: string, regex?: 'reg' | 'regm'): { readonly id: string } | { readonly error: string }
  /** The stored maps, flat as in the RouteMap (schema.ts MapEntries). */
  readonly maps: Map<string, MapEntries>
}

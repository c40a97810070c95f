/**
 * @module
 * Reading config files and the files they name. Relative paths in a config resolve against the
 * current directory first (as HAProxy does) and then against the config file's directory.
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, isAbsolute, resolve } from 'node:path'
import type { ConfigInput } from '../config/compile.ts'
import type { FileLoader } from '../config/services.ts'

export function readConfigs(paths: readonly string[]): ConfigInput[] {
  return paths.map((p) => {
    try {
      return { name: p, text: readFileSync(p, 'utf8') }
    } catch (e) {
      throw new ConfigFileError(`${p}: error: cannot read configuration file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
    }
  })
}

export function fileLoader(configPaths: readonly string[]): FileLoader {
  const dirs = [process.cwd(), ...configPaths.map((p) => dirname(resolve(p)))]
  return (path) => {
    const candidates = isAbsolute(path) ? [path] : dirs.map((d) => resolve(d, path))
    for (const c of candidates) {
      if (existsSync(c)) {
        try {
          return readFileSync(c, 'utf8')
        } catch {
          return undefined
        }
      }
    }
    return undefined
  }
}

export class ConfigFileError extends Error {}

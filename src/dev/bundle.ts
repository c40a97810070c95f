/**
 * @module
 * Bundles the Worker (src/index.ts and everything it imports) into one ES module for workerd, the
 * way `wrangler deploy` would, so `edgeproxy dev` runs exactly the code the edge runs.
 */
import { build } from 'esbuild'

const ENTRY = new URL('../index.ts', import.meta.url)

/** The Worker as one ES module's source text. */
export function bundleWorker(): Promise<string> {
  return bundleModule(ENTRY.pathname)
}

/** Any Worker entry (the benchmarks' wrappers too) as one ES module's source text. */
export async function bundleModule(entry: string): Promise<string> {
  const r = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    write: false,
    minify: false,
    sourcemap: false,
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    logLevel: 'silent',
  })
  const out = r.outputFiles[0]
  if (!out) throw new Error(`esbuild produced no output for ${entry}`)
  return out.text
}

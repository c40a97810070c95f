/**
 * @module
 * Lets Node load the Worker's modules: `cloudflare:workers` and `cloudflare:sockets` resolve to
 * stubs (the simulation never constructs a Durable Object class: bench/sim/adapters run their
 * runtime-free cores), and JSON modules imported without an import attribute (the Worker's
 * bundler allows it) load as `export default <json>`. Imported first by bench/sim/run.ts.
 */
import { readFileSync } from 'node:fs'
import nodeModule from 'node:module'
import { fileURLToPath } from 'node:url'

const STUBS: Record<string, string> = {
  'cloudflare:workers': 'export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env } }\nexport const env = {}\n',
  'cloudflare:sockets': "export function connect() { throw new Error('cloudflare:sockets is not available in the simulation') }\n",
}

nodeModule.registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier in STUBS) return { url: `sim-stub:${specifier}`, shortCircuit: true }
    return nextResolve(specifier, context)
  },
  load(url, context, nextLoad) {
    if (url.startsWith('sim-stub:')) return { format: 'module', source: STUBS[url.slice(9)] ?? '', shortCircuit: true }
    if (url.startsWith('file:') && url.endsWith('.json') && !url.includes('/node_modules/') && context.importAttributes?.type !== 'json') {
      return { format: 'module', source: `export default ${readFileSync(fileURLToPath(url), 'utf8')}`, shortCircuit: true }
    }
    return nextLoad(url, context)
  },
})

#!/usr/bin/env node
// edgeproxy CLI launcher. The sources are TypeScript run by Node's type stripping (Node >= 22.18).
// When started by an older Node, re-run with a Node 22 from the npm package "node" (the repository's
// devDependency, or one the project installed: `npm i -D node@22`).
// Node refuses to strip the types of files under node_modules, so when edgeproxy is installed as a
// dependency a module hook strips them (module.stripTypeScriptTypes) for edgeproxy's own files.
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import * as nodeModule from 'node:module'
import { dirname, join, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = join(here, '..')
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  const local = node22()
  if (!local) {
    console.error(`edgeproxy: Node ${process.versions.node} is too old (needs 22.18+): install Node 22, or run 'npm i -D node@22' in this project`)
    process.exit(1)
  }
  const child = spawn(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  // Signals go to the real process (edgeproxy dev shuts down cleanly on SIGINT/SIGTERM).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
} else {
  await run()
}

/** The Node binary of the npm package "node", found from edgeproxy's directory (nested or hoisted). */
function node22() {
  const nested = join(root, 'node_modules', 'node', 'bin', 'node')
  if (existsSync(nested)) return nested
  try {
    const bin = join(dirname(createRequire(join(root, 'package.json')).resolve('node/package.json')), 'bin', 'node')
    return existsSync(bin) ? bin : undefined
  } catch {
    return undefined
  }
}

/** Installed under node_modules: strip the types of edgeproxy's own .ts files as they load. */
function stripInstalledTypes() {
  if (!root.split(sep).includes('node_modules')) return
  const prefix = pathToFileURL(root).href.replace(/\/?$/, '/')
  nodeModule.registerHooks({
    load(url, context, nextLoad) {
      if (url.startsWith(prefix) && url.endsWith('.ts') && !url.slice(prefix.length).includes('node_modules/')) {
        const source = nodeModule.stripTypeScriptTypes(readFileSync(fileURLToPath(url), 'utf8'))
        return { format: 'module', source, shortCircuit: true }
      }
      return nextLoad(url, context)
    },
  })
}

async function run() {
  process.removeAllListeners('warning')
  stripInstalledTypes()
  const { main } = await import('../src/cli/main.ts')
  const code = await main(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
  })
  process.exitCode = code
}

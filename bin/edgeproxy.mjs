#!/usr/bin/env node
// edgeproxy CLI launcher. The sources are TypeScript run by Node's type stripping (Node >= 22.18).
// When started by an older system Node, re-run with the project's own Node 22 (devDependency "node").
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  const local = join(here, '..', 'node_modules', 'node', 'bin', 'node')
  if (!existsSync(local)) {
    console.error(`edgeproxy: Node ${process.versions.node} is too old (needs 22.18+); run 'npm ci' to install the project's Node 22`)
    process.exit(1)
  }
  const child = spawn(local, [fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' })
  // Signals go to the real process (edgeproxy dev shuts down cleanly on SIGINT/SIGTERM).
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)))
} else {
  await run()
}
async function run() {
  process.removeAllListeners('warning')
  const { main } = await import('../src/cli/main.ts')
  const code = await main(process.argv.slice(2), {
    out: (s) => process.stdout.write(`${s}\n`),
    err: (s) => process.stderr.write(`${s}\n`),
  })
  process.exitCode = code
}

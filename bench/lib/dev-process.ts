/**
 * @module
 * `edgeproxy dev` as a child process in its own process group, through the real binary: its
 * output, when it is ready and when it exits. Shared by the differential tests (test/diff/harness.ts)
 * and the benches that measure a running dev (bench/memory/dev.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process'

const BIN = new URL('../../bin/edgeproxy.mjs', import.meta.url).pathname

/** A running `edgeproxy dev` process (its own process group): output so far, `ready` and exit. */
export interface DevProcess {
  readonly child: ChildProcess
  output(): string
  /** Resolves once it prints `ready`; rejects if it exits first or after 60 s. */
  readonly ready: Promise<void>
  readonly exited: Promise<number | null>
}

/** Starts `edgeproxy dev -f cfgPath --persist-to stateDir [extraArgs…]` through the real binary. */
export function spawnDev(cfgPath: string, stateDir: string, extraArgs: readonly string[] = []): DevProcess {
  const child = spawn('node', [BIN, 'dev', '-f', cfgPath, '--persist-to', stateDir, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  })
  let out = ''
  const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)))
  const ready = new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error(`edgeproxy dev did not print 'ready' within 60 s:\n${out}`)), 60_000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      if (/\bready\b/.test(out)) {
        clearTimeout(t)
        res()
      }
    })
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
    void exited.then((code) => {
      clearTimeout(t)
      rej(new Error(`edgeproxy dev exited with ${code}:\n${out}`))
    })
  })
  // Callers that only wait for the exit must not see an unhandled rejection.
  ready.catch(() => {})
  return { child, output: () => out, ready, exited }
}

/**
 * One `edgeproxy dev --edge` scenario, run whole inside a network namespace by test/e2e/edge.test.ts
 * (`unshare -n`, loopback only, with the addresses the scenario names added to `lo`), so no packet
 * can leave the machine even if the emulator connected where the edge would not. Reads the
 * scenario (JSON) from argv[2]; starts its origins (each answers with what it received), starts
 * `edgeproxy dev` with the config and arguments, sends the requests in order, and prints
 * `{ replies, hits, output }` as one JSON line.
 */
import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingHttpHeaders, request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { join } from 'node:path'

interface Scenario {
  readonly dir: string
  readonly config: string
  readonly devArgs: readonly string[]
  readonly origins: readonly { name: string; host: string; port: number }[]
  readonly requests: readonly { port: number; path: string; headers?: Record<string, string>; tls?: { ca: string; cert?: string; key?: string } }[]
}

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

const s = JSON.parse(process.argv[2] as string) as Scenario
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'edgeproxy.mjs')
const hits: Record<string, { url: string; headers: IncomingHttpHeaders }[]> = {}

async function main(): Promise<void> {
  const servers = await Promise.all(
    s.origins.map(
      (o) =>
        new Promise<ReturnType<typeof createServer>>((res) => {
          hits[o.name] = []
          const srv = createServer((req, rsp) => {
            if (req.url !== '/health') hits[o.name]?.push({ url: req.url ?? '', headers: req.headers })
            rsp.writeHead(200, { 'content-type': 'text/plain', 'x-served-by': o.name })
            rsp.end(`hello from ${o.name}\n`)
          })
          srv.listen(o.port, o.host, () => res(srv))
        }),
    ),
  )
  const cfg = join(s.dir, 'edge.cfg')
  writeFileSync(cfg, s.config)
  const dev = spawn(process.execPath, [BIN, 'dev', '-f', cfg, '--persist-to', join(s.dir, 'state'), ...s.devArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' },
  })
  let output = ''
  dev.stdout.on('data', (d: Buffer) => (output += d.toString()))
  dev.stderr.on('data', (d: Buffer) => (output += d.toString()))
  const ready = await new Promise<boolean>((res) => {
    const t = setTimeout(() => res(false), 60_000)
    dev.stdout.on('data', () => {
      if (/\bready\b/.test(output)) {
        clearTimeout(t)
        res(true)
      }
    })
    dev.once('exit', () => {
      clearTimeout(t)
      res(false)
    })
  })
  const replies: (Reply | { error: string })[] = []
  if (ready) {
    for (const r of s.requests) replies.push(await send(r).catch((e: Error) => ({ error: (e as NodeJS.ErrnoException).code ?? e.message })))
  }
  const exited = new Promise((res) => dev.once('exit', res))
  if (dev.exitCode === null) {
    dev.kill('SIGTERM')
    await exited
  }
  for (const srv of servers) srv.close()
  process.stdout.write(`${JSON.stringify({ ready, replies, hits, output })}\n`)
}

function send(r: Scenario['requests'][number]): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const opts = { host: '127.0.0.1', port: r.port, path: r.path, headers: r.headers ?? {} }
    const done = (res: import('node:http').IncomingMessage) => {
      let body = ''
      res.on('data', (d: Buffer) => (body += d.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    }
    const req = r.tls
      ? httpsRequest(
          {
            ...opts,
            servername: 'localhost',
            ca: readFileSync(r.tls.ca),
            ...(r.tls.cert ? { cert: readFileSync(r.tls.cert), key: readFileSync(r.tls.key as string) } : {}),
          },
          done,
        )
      : httpRequest(opts, done)
    req.setTimeout(20_000, () => req.destroy(new Error('timeout')))
    req.on('error', reject)
    req.end()
  })
}

await main()

/**
 * @module
 * Failover through the Worker in workerd: two Node origins behind `inter 1s fall 2 rise 2` health
 * checks (HealthMonitor alarms, as at the edge), a steady request stream, then origin A goes down
 * and comes back:
 * - `fail`: A keeps listening but answers /health and every request with 503 and logs each
 *   request it receives, so "the last request routed to A" is A's own record;
 * - `kill`: A's socket is closed (connections refused, then reopened on the same port); a request
 *   routed to A is one the client sees fail.
 */
import { createServer, type Server } from 'node:http'
import { sleep } from '../lib/procs.ts'
import type { FailoverRun } from './types.ts'

/** An origin that names itself in `x-served-by` and logs when it served a non-health request. */
export class Origin {
  readonly name: string
  port = 0
  failing = false
  /** ms epoch of every non-health request received. */
  readonly hits: number[] = []
  #server: Server | undefined

  constructor(name: string) {
    this.name = name
  }

  async start(port = 0): Promise<this> {
    const s = createServer((req, res) => {
      const health = req.url?.startsWith('/health') === true
      if (!health) this.hits.push(Date.now())
      const status = this.failing ? 503 : 200
      res.writeHead(status, { 'x-served-by': this.name, 'content-type': 'text/plain', 'content-length': '3' })
      res.end(status === 200 ? 'ok\n' : 'no\n')
    })
    s.keepAliveTimeout = 60_000
    await new Promise<void>((r) => s.listen(port, '127.0.0.1', () => r()))
    const a = s.address()
    this.port = typeof a === 'object' && a ? a.port : port
    this.#server = s
    return this
  }

  async close(): Promise<void> {
    const s = this.#server
    this.#server = undefined
    if (!s) return
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }
}

interface Sent {
  readonly at: number
  done?: number
  status?: number
  server?: string
}

/** Fires a request every `intervalMs` without waiting for earlier ones. */
function stream(url: string, intervalMs: number): { readonly log: Sent[]; stop(): Promise<void> } {
  const log: Sent[] = []
  const pending = new Set<Promise<void>>()
  const timer = setInterval(() => {
    const s: Sent = { at: Date.now() }
    log.push(s)
    const p = fetch(url, { signal: AbortSignal.timeout(5000) })
      .then(async (r) => {
        await r.arrayBuffer()
        s.status = r.status
        s.server = r.headers.get('x-served-by') ?? undefined
      })
      .catch(() => {
        s.status = 0
      })
      .finally(() => {
        s.done = Date.now()
        pending.delete(p)
      })
    pending.add(p)
  }, intervalMs)
  return {
    log,
    async stop() {
      clearInterval(timer)
      await Promise.all([...pending])
    },
  }
}

/** Waits until `pred()` holds (polling every 20 ms) or `timeoutMs` passed; true when it held. */
async function until(pred: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (pred()) return true
    await sleep(20)
  }
  return pred()
}

export interface FailoverInput {
  readonly url: string
  readonly a: Origin
  readonly b: Origin
  readonly how: 'fail' | 'kill'
  readonly intervalMs: number
  /** How long without a request to A counts as "no longer routed" (also the wait's resolution). */
  readonly quietMs: number
  readonly log: (line: string) => void
  /** Told which step runs (to attribute workerd's log lines). */
  readonly phase?: (name: string) => void
}

export async function measureFailover(i: FailoverInput): Promise<FailoverRun> {
  const { a, b } = i
  const s = stream(`${i.url}/`, i.intervalMs)
  try {
    // Both servers take traffic before A goes down.
    i.phase?.(`failover ${i.how}: both up`)
    const a0 = a.hits.length
    const b0 = b.hits.length
    if (!(await until(() => a.hits.length > a0 + 2 && b.hits.length > b0 + 2, 15_000))) throw new Error('failover: both origins did not receive traffic')
    i.phase?.(`failover ${i.how}: A down`)
    const t0 = Date.now()
    if (i.how === 'fail') a.failing = true
    else await a.close()
    const toA = (): number[] => (i.how === 'fail' ? a.hits.filter((t) => t >= t0) : s.log.filter((x) => x.at >= t0 && x.done !== undefined && x.server !== b.name).map((x) => x.done as number))
    const lastToA = (): number => Math.max(t0, ...toA())
    await until(() => Date.now() - lastToA() >= i.quietMs && Date.now() - t0 >= i.quietMs, 15_000)
    const routed = toA()
    const failoverMs = routed.length > 0 ? Math.max(...routed) - t0 : 0
    const clientErrors = s.log.filter((x) => x.at >= t0 && x.status !== undefined && (x.status < 200 || x.status > 299)).length
    i.log(`failover (${i.how}): last request to A ${failoverMs} ms after it went down (${routed.length} requests to A, ${clientErrors} client errors)`)
    // A comes back.
    i.phase?.(`failover ${i.how}: A back`)
    const t1 = Date.now()
    const n1 = a.hits.length
    if (i.how === 'fail') a.failing = false
    else await a.start(a.port)
    const back = await until(() => a.hits.length > n1, 15_000)
    const first = a.hits.slice(n1).find((t) => t >= t1)
    const recoveryMs = back && first !== undefined ? first - t1 : null
    i.log(`failover (${i.how}): first request to A ${recoveryMs ?? 'never'} ms after it came back`)
    return { how: i.how, failoverMs, recoveryMs, requestsToDownServer: routed.length, clientErrors }
  } finally {
    await s.stop()
  }
}

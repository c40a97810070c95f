/**
 * Fakes for health tests in Node: scripted TCP peers behind a fake `connect()`, a manual clock,
 * an in-memory MonitorStore and alarm.
 */
import type { AlarmApi, MonitorStore } from '../../../src/health/monitor.ts'
import type { ConnectFn, FetchFn, ProbeIo, ProbeSocket } from '../../../src/health/probes/types.ts'
import type { ServerHealth } from '../../../src/health/state.ts'

/** How a fake TCP peer behaves. */
export interface Peer {
  /** `refuse`: `opened` rejects; `hang`: `opened` never settles. Default: accept. */
  readonly connect?: 'accept' | 'refuse' | 'hang'
  /** Sent right after the connection opens (a server greeting). */
  readonly greeting?: Uint8Array | string
  /** Answers each write (undefined: say nothing). */
  readonly reply?: (data: Uint8Array, all: Uint8Array) => Uint8Array | string | undefined
  /** Close the stream after the first reply (or after the greeting when there is no reply). */
  readonly closeAfterReply?: boolean
}

export interface FakeNet {
  readonly connect: ConnectFn
  /** Every connection attempt: host:port and TLS mode. */
  readonly attempts: { hostname: string; port: number; secureTransport: string }[]
  /** Everything written, per attempt. */
  readonly written: Uint8Array[]
  /** Sockets currently open (not closed). */
  open(): number
  /** Most sockets open at the same time. */
  readonly peak: { value: number }
}

const enc = new TextEncoder()
const bytes = (b: Uint8Array | string): Uint8Array => (typeof b === 'string' ? enc.encode(b) : b)

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** A fake `connect()` routing `host:port` (or `host`) to scripted peers; unknown hosts refuse. */
export function fakeNet(peers: Record<string, Peer>): FakeNet {
  const attempts: FakeNet['attempts'] = []
  const written: Uint8Array[] = []
  let openCount = 0
  const peak = { value: 0 }
  const connect: ConnectFn = (address, options) => {
    attempts.push({ hostname: address.hostname, port: address.port, secureTransport: options.secureTransport })
    const idx = written.push(new Uint8Array(0)) - 1
    const peer = peers[`${address.hostname}:${address.port}`] ?? peers[address.hostname] ?? { connect: 'refuse' as const }
    let ctl: ReadableStreamDefaultController<Uint8Array> | undefined
    let closed = false
    let counted = false
    const finish = (): void => {
      if (closed) return
      closed = true
      if (counted) openCount--
      try {
        ctl?.close()
      } catch {}
    }
    const readable = new ReadableStream<Uint8Array>({
      start(c) {
        ctl = c
      },
      cancel() {
        finish()
      },
    })
    const writable = new WritableStream<Uint8Array>({
      write(chunk) {
        written[idx] = concat(written[idx] ?? new Uint8Array(0), chunk)
        const out = peer.reply?.(chunk, written[idx] ?? chunk)
        if (out !== undefined && !closed) ctl?.enqueue(bytes(out))
        if (peer.closeAfterReply) finish()
      },
    })
    let opened: Promise<unknown>
    if (peer.connect === 'refuse') opened = Promise.reject(new Error('connect ECONNREFUSED'))
    else if (peer.connect === 'hang') opened = new Promise(() => {})
    else {
      counted = true
      openCount++
      peak.value = Math.max(peak.value, openCount)
      opened = Promise.resolve({ remoteAddress: `${address.hostname}:${address.port}` })
      if (peer.greeting !== undefined) ctl?.enqueue(bytes(peer.greeting))
      if (peer.closeAfterReply && !peer.reply) finish()
    }
    opened.catch(() => {})
    const socket: ProbeSocket = {
      readable,
      writable,
      opened,
      closed: new Promise(() => {}),
      close: async () => finish(),
    }
    return socket
  }
  return { connect, attempts, written, open: () => openCount, peak }
}

/** A manual clock; `sleep`-free tests advance it by hand. */
export function manualClock(start = 1_700_000_000_000): { now: () => number; set: (t: number) => void; advance: (ms: number) => void } {
  let t = start
  return { now: () => t, set: (v) => (t = v), advance: (ms) => (t += ms) }
}

export function probeIo(net: { connect: ConnectFn }, fetch: FetchFn = async () => new Response('ok'), now: () => number = () => Date.now()): ProbeIo {
  return { connect: net.connect, fetch, now }
}

export class MemoryStore implements MonitorStore {
  readonly meta = new Map<string, string>()
  readonly servers = new Map<string, ServerHealth>()
  writes = 0
  getMeta(key: string): string | undefined {
    return this.meta.get(key)
  }
  setMeta(key: string, value: string): void {
    this.writes++
    this.meta.set(key, value)
  }
  loadServers(): Map<string, ServerHealth> {
    return new Map(this.servers)
  }
  saveServer(name: string, h: ServerHealth): void {
    this.writes++
    this.servers.set(name, structuredClone(h))
  }
  deleteServer(name: string): void {
    this.servers.delete(name)
  }
}

export class MemoryAlarm implements AlarmApi {
  at: number | null = null
  readonly history: number[] = []
  async get(): Promise<number | null> {
    return this.at
  }
  async set(at: number): Promise<void> {
    this.at = at
    this.history.push(at)
  }
}

/**
 * @module
 * The key-spraying attack on the real cores (bench/memory/cores.ts): `keys` distinct keys tracked
 * through the Worker's request path, the heap of the isolate and of each object measured after
 * `checkpoints` keys (after gc), with what src/state/budget.ts counts for them.
 */
import { FLUSH_LONG_MS, HOME_SYNC_MS } from '../../src/state/stick-replica.ts'
import { heapOf, heapUsed, ipKey, rig } from './cores.ts'

export interface Scenario {
  readonly name: string
  readonly config: string
  /** The request for the i-th key. */
  readonly request: (i: number) => { ip: string; headers?: Record<string, string> }
}

/** What a checkpoint found (bytes). */
export interface Point {
  readonly keys: number
  /** Heap grown since the isolate's first request (isolate + objects). */
  readonly total: number
  /** Heap of each component, freed when it is dropped (objects: by name). */
  readonly isolate: number
  readonly objects: Readonly<Record<string, { heap: number; role: string; entries: number; counted: number }>>
  /** What budget.ts counts for the isolate: views' entries and bytes, queued deltas. */
  readonly isolateCounted: { entries: number; bytes: number; queuedBytes: number }
}

const STORE = 'store http_req_rate(10s),gpc0'

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'type ip, track-sc0 src',
    config: `defaults\n    mode http\nfrontend fe\n    bind :80\n    stick-table type ip size 20k expire 30s ${STORE}\n    http-request track-sc0 src\n    http-request return status 200\n`,
    request: (i) => ({ ip: ipKey(i) }),
  },
  {
    name: 'type string, track-sc0 hdr(x-key)',
    config: `defaults\n    mode http\nfrontend fe\n    bind :80\n    stick-table type string len 32 size 20k expire 30s ${STORE}\n    http-request track-sc0 hdr(x-key)\n    http-request return status 200\n`,
    request: (i) => ({ ip: '192.0.2.1', headers: { 'x-key': `client-${i.toString(36).padStart(8, '0')}-${'k'.repeat(16)}` } }),
  },
]

/**
 * Feeds `keys` distinct keys (one request each); at each checkpoint (a key count) measures every
 * component. A checkpoint builds the rig again and feeds up to it (dropping components to weigh
 * them destroys the rig).
 */
/** The rig being measured: referenced here so that V8 cannot collect it while it is weighed. */
const alive: unknown[] = []

export async function measure(s: Scenario, checkpoints: readonly number[], log: (line: string) => void = () => {}): Promise<Point[]> {
  const out: Point[] = []
  for (const keys of checkpoints) {
    // The previous rig's flush timers (≤ FLUSH_LONG_MS) keep it reachable: let them end first.
    await new Promise((res) => setTimeout(res, FLUSH_LONG_MS + 500))
    alive.length = 0
    const r = rig(s.config)
    alive.push(r)
    await r.request('192.0.2.200')
    await r.settle()
    const base = heapUsed()
    for (let i = 0; i < keys; i++) {
      const q = s.request(i)
      const st = await r.request(q.ip, q.headers)
      if (st !== 200) throw new Error(`request ${i}: status ${st}`)
      if (i % 5000 === 4999) await r.settle()
    }
    await r.settle()
    // The replica's last home sync (at most HOME_SYNC_MS after its previous one), so that the home
    // holds the table and the replica's queue is empty: the steady state after the attack.
    await new Promise((res) => setTimeout(res, HOME_SYNC_MS + 100))
    await r.settle()
    const total = Math.max(0, heapUsed() - base)
    const store = r.isolate?.stick?.current()
    const u = store?.usage() ?? { entries: 0, bytes: 0, queuedBytes: 0 }
    const objects: Record<string, { heap: number; role: string; entries: number; counted: number }> = {}
    const usages = new Map([...r.plane.objects].map(([n, o]) => [n, o.usage()]))
    for (const name of [...r.plane.objects.keys()]) {
      const use = usages.get(name) ?? { role: 'idle', entries: 0, bytes: 0 }
      const heap = heapOf(() => r.plane.objects.delete(name))
      objects[name] = { heap, role: use.role, entries: use.entries, counted: use.bytes }
    }
    // The isolate: what remains of the growth once its objects are gone (its flush timers keep it
    // reachable for up to 2 s, so it is not weighed by dropping it).
    const isolate = Math.max(0, heapUsed() - base)
    out.push({ keys, total, isolate, objects, isolateCounted: { entries: u.entries, bytes: u.bytes, queuedBytes: u.queuedBytes } })
    log(
      `${s.name}: ${keys} keys: isolate ${mb(isolate)} MB (counted ${mb(u.bytes)} MB, ${u.entries} entries); ${Object.entries(objects)
        .map(([n, o]) => `${n} ${mb(o.heap)} MB (counted ${mb(o.counted)} MB, ${o.entries} entries)`)
        .join('; ')}`,
    )
  }
  return out
}

export function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1)
}

/**
 * @module
 * The Worker's V8 heap inside workerd: the bundled Worker in Miniflare (as `edgeproxy dev` runs it,
 * the STICK objects in the same service) with the inspector on, the attack dispatched straight to
 * it, and the user isolate's used heap read over the DevTools protocol after a forced GC
 * (a heap snapshot, then `Runtime.getHeapUsage`). Locally the Worker and its Durable
 * Objects share that isolate, so this is the isolate plus every object, with workerd's pointer
 * compression (smaller than Node's sizes). The rest of workerd's RSS is native memory.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { convertV4MiniflareOptions, Miniflare } from 'miniflare'
import { compileConfig } from '../../src/config/compile.ts'
import { bundleWorker } from '../../src/dev/bundle.ts'

export interface WorkerdHeap {
  readonly config: string
  readonly keys: number
  /** The user isolate's used heap after GC (bytes), before and after. */
  readonly before: number
  readonly after: number
  /** workerd's RSS after (bytes), taken after the heap snapshot, which inflates it: not reported. */
  readonly rss: number
}

async function heapUsage(inspector: number): Promise<number> {
  const list = (await (await fetch(`http://127.0.0.1:${inspector}/json/list`)).json()) as { webSocketDebuggerUrl: string; title: string }[]
  const target = list.find((l) => l.title.includes('core:user'))
  if (!target) throw new Error('no user worker in the inspector list')
  const ws = new WebSocket(target.webSocketDebuggerUrl)
  await new Promise((r) => ws.addEventListener('open', r, { once: true }))
  let id = 0
  const call = (method: string): Promise<{ usedSize?: number }> =>
    new Promise((res, rej) => {
      const my = ++id
      const t = setTimeout(() => rej(new Error(`${method}: no answer`)), 120_000)
      ws.addEventListener('message', (e) => {
        const m = JSON.parse(String(e.data)) as { id?: number; result?: { usedSize?: number } }
        if (m.id === my) {
          clearTimeout(t)
          res(m.result ?? {})
        }
      })
      ws.send(JSON.stringify({ id: my, method, params: method === 'HeapProfiler.takeHeapSnapshot' ? { reportProgress: false } : {} }))
    })
  try {
    // workerd does not answer HeapProfiler.collectGarbage; a heap snapshot collects garbage first
    // (its chunks are ignored).
    await call('HeapProfiler.enable')
    await call('HeapProfiler.takeHeapSnapshot')
    return (await call('Runtime.getHeapUsage')).usedSize ?? 0
  } finally {
    ws.close()
  }
}

function workerdRss(): number {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8')
      if (st.includes('(workerd)') && Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === process.pid) {
        return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${e}/status`, 'utf8'))?.[1] ?? 0) * 1024
      }
    } catch {}
  }
  return 0
}

/** Runs `keys` requests (header `header` = key(i), 16 at a time) against the config's Worker. */
export async function workerdHeap(name: string, config: string, keys: number, header: string, key: (i: number) => string, inspector: number): Promise<WorkerdHeap> {
  const routeMap = compileConfig([{ name: 'memory.cfg', text: config }]).routeMap
  if (!routeMap) throw new Error('the config does not compile')
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: [{ type: 'ESModule', path: 'edgeproxy-worker.js', contents: await bundleWorker() }],
      compatibilityDate: '2025-09-01',
      compatibilityFlags: ['nodejs_compat'],
      bindings: { EDGEPROXY_ROUTEMAP: JSON.stringify(routeMap) },
      inspectorPort: inspector,
      durableObjects: { STICK: { className: 'StickTable', useSQLite: true } },
    } as Parameters<typeof convertV4MiniflareOptions>[0]),
  )
  try {
    const url = await mf.ready
    await (await fetch(url, { headers: { [header]: 'first' } })).arrayBuffer()
    const before = await heapUsage(inspector)
    let next = 0
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < keys) {
          const r = await fetch(url, { headers: { [header]: key(next++) } })
          await r.arrayBuffer()
        }
      }),
    )
    const after = await heapUsage(inspector)
    return { config: name, keys, before, after, rss: workerdRss() }
  } finally {
    await mf.dispose()
  }
}

/**
 * Options of `cloudflareTest()` for the `workers` vitest project: the test Worker with its two
 * HealthMonitor namespaces, and an `origins` Worker as everyone's outbound service, standing in
 * for the origins. Tests steer it through `http://origins.control/?host=H&status=S`, S being an
 * HTTP status, `refuse` (the fetch fails, as for a refused connection) or `hang` (no answer).
 */
const ORIGINS = `
const behaviour = new Map()
export default {
  async fetch(request) {
    const url = new URL(request.url)
    if (url.hostname === 'origins.control') {
      const host = url.searchParams.get('host') ?? ''
      const status = url.searchParams.get('status')
      if (status) behaviour.set(host, status)
      else behaviour.delete(host)
      return new Response('ok')
    }
    const b = behaviour.get(url.hostname) ?? '200'
    if (b === 'refuse') throw new Error('connect ECONNREFUSED') // the caller's fetch() rejects (workerd logs it as uncaught)
    // A pending timer keeps the request alive (a bare never-settling promise is cancelled by workerd).
    if (b === 'hang') await new Promise((resolve) => setTimeout(resolve, 30_000))
    const body = JSON.stringify({ host: url.host, path: url.pathname, method: request.method, hostHeader: request.headers.get('host') })
    return new Response(body, { status: Number(b), headers: { 'content-type': 'application/json' } })
  },
}
`

export const workersPoolOptions = {
  main: './test/workers/worker.ts',
  miniflare: {
    compatibilityDate: '2026-11-01',
    compatibilityFlags: ['nodejs_compat'],
    durableObjects: {
      HEALTH: { className: 'HealthMonitor', useSQLite: true },
      TCP_HEALTH: { className: 'TcpHealthMonitor', useSQLite: true },
      STICK: { className: 'StickTable', useSQLite: true },
      RUNTIME: { className: 'RuntimeState', useSQLite: true },
    },
    kvNamespaces: ['ROUTEMAPS'],
    outboundService: 'origins',
    workers: [{ name: 'origins', modules: true, script: ORIGINS, compatibilityDate: '2026-11-01' }],
  },
}

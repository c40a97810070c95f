/**
 * @module
 * The Worker of bench/runtime/natives.ts: `GET /OP?n=N` runs operation OP N times in one request
 * (the runtime primitives edgeproxy's request path uses: timers, Headers, Request and Response
 * copies), so the workerd process' CPU time per call can be read from outside.
 */
interface NativesEnv {
  readonly ORIGIN: string
}

let origin: Response | undefined
const noop = (): void => {}
const PAIRS: [string, string][] = [
  ['host', 'example.com'],
  ['user-agent', 'wrk'],
  ['accept', '*/*'],
  ['x-forwarded-for', '127.0.0.1'],
  ['x-real-ip', '127.0.0.1'],
]

type Op = (req: Request, n: number, env: NativesEnv) => Promise<unknown> | unknown

const OPS: Record<string, Op> = {
  noop: (_r, n) => {
    let x = 0
    for (let i = 0; i < n; i++) x += i
    return x
  },
  'set+clearTimeout': (_r, n) => {
    for (let i = 0; i < n; i++) clearTimeout(setTimeout(noop, 10_000))
  },
  'timer race (forward.ts)': async (_r, n) => {
    for (let i = 0; i < n; i++) {
      let t: ReturnType<typeof setTimeout> | undefined
      const timer = new Promise<void>((resolve) => {
        t = setTimeout(resolve, 10_000)
      })
      await Promise.race([Promise.resolve(i), timer.then(() => 0)])
      clearTimeout(t)
    }
  },
  'headers.forEach': (r, n) => {
    for (let i = 0; i < n; i++) {
      const out: [string, string][] = []
      r.headers.forEach((v, k) => {
        out.push([k, v])
      })
    }
  },
  'headers.get': (r, n) => {
    for (let i = 0; i < n; i++) r.headers.get('content-length')
  },
  'request.headers getter': (r, n) => {
    for (let i = 0; i < n; i++) r.headers
  },
  'request.url+method': (r, n) => {
    for (let i = 0; i < n; i++) r.url + r.method
  },
  'request.cf': (r, n) => {
    for (let i = 0; i < n; i++) (r as { cf?: unknown }).cf
  },
  "JSON.parse of this request's cf (what its first read costs)": (r, n) => {
    const text = JSON.stringify((r as { cf?: unknown }).cf ?? {})
    for (let i = 0; i < n; i++) JSON.parse(text)
  },
  'new Request(url, {headers: req.headers})': (r, n, env) => {
    for (let i = 0; i < n; i++) new Request(env.ORIGIN, { method: r.method, headers: r.headers, redirect: 'manual' })
  },
  'new Request + 2 appends': (r, n, env) => {
    for (let i = 0; i < n; i++) {
      const q = new Request(env.ORIGIN, { method: r.method, headers: r.headers, redirect: 'manual' })
      const h = q.headers
      h.append('x-forwarded-for', '127.0.0.1')
      h.append('x-real-ip', '127.0.0.1')
    }
  },
  'new Headers(req.headers) + 2 appends, new Request': (r, n, env) => {
    for (let i = 0; i < n; i++) {
      const h = new Headers(r.headers)
      h.append('x-forwarded-for', '127.0.0.1')
      h.append('x-real-ip', '127.0.0.1')
      new Request(env.ORIGIN, { method: r.method, headers: h, redirect: 'manual' })
    }
  },
  'new Request(url, {headers: 5 pairs})': (r, n, env) => {
    for (let i = 0; i < n; i++) new Request(env.ORIGIN, { method: r.method, headers: PAIRS, redirect: 'manual' })
  },
  'new Response(null, origin)': (_r, n) => {
    const o = origin as Response
    for (let i = 0; i < n; i++) new Response(null, o)
  },
  'new Response(null, origin) + 2 appends': (_r, n) => {
    const o = origin as Response
    for (let i = 0; i < n; i++) {
      const h = new Response(null, o).headers
      h.append('set-cookie', 'SERVERID=s1; path=/')
      h.append('strict-transport-security', 'max-age=31536000')
    }
  },
  'origin.headers.forEach': (_r, n) => {
    const o = origin as Response
    for (let i = 0; i < n; i++) {
      const out: [string, string][] = []
      o.headers.forEach((v, k) => {
        out.push([k, v])
      })
    }
  },
  'response.status+body getters': (_r, n) => {
    const o = origin as Response
    for (let i = 0; i < n; i++) o.status + (o.body ? 1 : 0)
  },
  'Date.now': (_r, n) => {
    for (let i = 0; i < n; i++) Date.now()
  },
  'await (a resolved promise)': async (_r, n) => {
    for (let i = 0; i < n; i++) await undefined
  },
}

export default {
  async fetch(request: Request, env: NativesEnv): Promise<Response> {
    if (!origin) {
      const o = await fetch(env.ORIGIN)
      await o.arrayBuffer()
      origin = new Response(null, o)
    }
    const u = new URL(request.url)
    if (u.pathname === '/') return new Response(Object.keys(OPS).join('\n'))
    const op = OPS[decodeURIComponent(u.pathname.slice(1))]
    if (!op) return new Response('no such op\n', { status: 404 })
    await op(request, Number(u.searchParams.get('n') ?? '1'), env)
    return new Response('ok\n')
  },
} satisfies ExportedHandler<NativesEnv>

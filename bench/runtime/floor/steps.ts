/**
 * @module
 * The runtime steps a proxy with rules cannot skip, for the floor Workers in this directory (each
 * is the bare pass-through Worker, bench/runtime/bare-worker.ts, plus some of these steps, run
 * with `node bench/runtime/pair.ts --bare-variant NAME=bench/runtime/floor/FILE.ts`). What they
 * cost per request is the part of edgeproxy's CPU no change to edgeproxy's own code can remove.
 */
export interface FloorEnv {
  readonly ORIGIN: string
}

/** The origin URL of `r`, as the bare Worker makes it. */
export function originUrl(r: Request, env: FloorEnv): URL {
  const u = new URL(r.url)
  return new URL(u.pathname + u.search, env.ORIGIN)
}

/** The origin request as edgeproxy makes it: a copy of the client's headers with the seed's two request headers added. */
export function originRequest(r: Request, env: FloorEnv): Request {
  const q = new Request(originUrl(r, env), { method: r.method, headers: r.headers, redirect: 'manual' })
  const h = q.headers
  h.append('x-forwarded-for', '127.0.0.1')
  h.append('x-real-ip', '127.0.0.1')
  return q
}

/** The forwarded response: a copy of the origin's (its body read through `body`), with the seed's three response headers when `rules`. */
export function forwardedResponse(o: Response, rules: boolean): Response {
  const res = new Response(o.body, o)
  if (rules) {
    const h = res.headers
    h.append('set-cookie', 'SERVERID=web1; path=/')
    h.append('cache-control', 'private')
    h.append('strict-transport-security', 'max-age=63072000')
  }
  return res
}

/** `timeout server`: a timer raced with the origin's answer, cleared when it comes. */
export function bounded(p: Promise<Response>, ms = 10_000): Promise<Response> {
  return new Promise<Response>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms)
    p.then(
      (r) => {
        clearTimeout(t)
        resolve(r)
      },
      (e: unknown) => {
        clearTimeout(t)
        reject(e)
      },
    )
  })
}

/** The header lines of `h` as a list (what rules read). */
export function lines(h: Headers): [string, string][] {
  const out: [string, string][] = []
  h.forEach((v, k) => {
    out.push([k, v])
  })
  return out
}

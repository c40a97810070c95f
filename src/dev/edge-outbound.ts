/**
 * @module
 * The Worker's outbound traffic under `edgeproxy dev --edge`, as Miniflare fetchers (Node
 * functions workerd calls for each subrequest): the global `fetch()` answers what Cloudflare's
 * edge would (src/dev/edge.ts decides; a refusal is answered here, without connecting anywhere),
 * and the emulated VPC network binding (`EDGEPROXY_VPC`, with `--vpc-network`) reaches any
 * address the URL names — the tunnel's far side is this machine; an address nothing answers on gets
 * Cloudflare's 502 ("error code: 502"), as a connection failure.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { Readable } from 'node:stream'
import type { ReadableStream as NodeWebStream } from 'node:stream/web'
import { type Request as MfRequest, Response as MfResponse } from 'miniflare'
import { decideOutbound, type EdgeHost, type EdgeRefusal, type EdgeRules, REFUSAL_HEADERS, REFUSE_ORIGIN_DOWN, REFUSE_UNREACHABLE, refusalBody } from './edge.ts'

function refusal(r: EdgeRefusal): MfResponse {
  return new MfResponse(refusalBody(r), { status: r.status, headers: REFUSAL_HEADERS.map(([n, v]) => [n, v]) })
}

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection'])

/** Sends `req` over plain HTTP to `to` (Host as the URL says) and gives back the origin's answer as it came. */
function forward(req: MfRequest, to: EdgeHost): Promise<MfResponse> {
  const url = new URL(req.url)
  const headers: [string, string][] = []
  req.headers.forEach((v, n) => {
    if (!HOP.has(n)) headers.push([n, v])
  })
  if (!headers.some(([n]) => n === 'host')) headers.push(['host', url.host])
  return new Promise((resolve, reject) => {
    const up = httpRequest({ host: to.host, port: to.port, method: req.method, path: `${url.pathname}${url.search}`, headers: headers.flat(), setHost: false }, (res: IncomingMessage) => {
      const out: [string, string][] = []
      for (let i = 0; i < res.rawHeaders.length; i += 2) {
        const n = (res.rawHeaders[i] as string).toLowerCase()
        if (!HOP.has(n)) out.push([n, res.rawHeaders[i + 1] as string])
      }
      const nullBody = req.method === 'HEAD' || res.statusCode === 204 || res.statusCode === 304
      const body = nullBody ? null : (Readable.toWeb(res) as unknown as ConstructorParameters<typeof MfResponse>[0])
      if (nullBody) res.resume()
      resolve(new MfResponse(body, { status: res.statusCode ?? 502, statusText: res.statusMessage ?? '', headers: out }))
    })
    up.on('error', reject)
    if (req.body) Readable.fromWeb(req.body as unknown as NodeWebStream<Uint8Array>).pipe(up)
    else up.end()
  })
}

/** The global `fetch()` of a Worker on the edge: refusals answered here, mapped hostnames forwarded. */
export function edgeOutbound(rules: EdgeRules): (req: MfRequest) => Promise<MfResponse> {
  return async (req) => {
    const d = decideOutbound(new URL(req.url), rules)
    return d.kind === 'refuse' ? refusal(d.refusal) : forward(req, d.to).catch(() => refusal(REFUSE_ORIGIN_DOWN))
  }
}

/** The emulated VPC network's `fetch()`: the URL's address and port (a mapped hostname: its origin), reached from this machine. */
export function vpcOutbound(rules: EdgeRules): (req: MfRequest) => Promise<MfResponse> {
  return (req) => {
    const url = new URL(req.url)
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase()
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port)
    // Miniflare would turn a rejection into a 500 that reads as the server's: answer as the edge does for an origin it cannot reach.
    return forward(req, rules.hosts.get(host) ?? { host, port }).catch(() => refusal(REFUSE_UNREACHABLE))
  }
}

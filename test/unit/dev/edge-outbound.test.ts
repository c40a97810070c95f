import { createServer, type IncomingHttpHeaders, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Request } from 'miniflare'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EdgeRules } from '../../../src/dev/edge.ts'
import { edgeOutbound, vpcOutbound } from '../../../src/dev/edge-outbound.ts'

/* The Node side of dev --edge's outbound fetchers, against a loopback origin (no workerd). */
describe('dev --edge outbound fetchers', () => {
  let origin: Server
  let port = 0
  const seen: { url: string; host: string | undefined; headers: IncomingHttpHeaders; body: string }[] = []

  beforeAll(async () => {
    origin = createServer((req, res) => {
      let body = ''
      req.on('data', (d: Buffer) => (body += d.toString()))
      req.on('end', () => {
        seen.push({ url: req.url ?? '', host: req.headers.host, headers: req.headers, body })
        res.writeHead(201, [
          ['content-type', 'text/plain'],
          ['set-cookie', 'a=1'],
          ['set-cookie', 'b=2'],
        ])
        res.end(`got ${body}`)
      })
    })
    await new Promise<void>((r) => origin.listen(0, '127.0.0.1', r))
    port = (origin.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((r) => origin.close(() => r())))

  const rules = (): EdgeRules => ({ hosts: new Map([['app.example.com', { host: '127.0.0.1', port }]]), vpcNetwork: 'cf1:network' })

  it("answers an IP literal with Cloudflare's 1003 without connecting", async () => {
    const before = seen.length
    const r = await edgeOutbound(rules())(new Request(`http://127.0.0.1:${port}/x`))
    expect([r.status, r.headers.get('server'), r.headers.get('content-type'), await r.text()]).toEqual([403, 'cloudflare', 'text/plain; charset=UTF-8', 'error code: 1003'])
    expect(seen.length).toBe(before)
  })

  it('forwards a mapped hostname with its Host, method, body and repeated response headers', async () => {
    const r = await edgeOutbound(rules())(new Request('http://app.example.com/p?q=1', { method: 'POST', body: 'hello', headers: { 'x-a': 'b' } }))
    expect([r.status, await r.text()]).toEqual([201, 'got hello'])
    expect(r.headers.getSetCookie()).toEqual(['a=1', 'b=2'])
    const s = seen.at(-1)
    expect([s?.url, s?.host, s?.headers['x-a']]).toEqual(['/p?q=1', 'app.example.com', 'b'])
  })

  it('the VPC network reaches the address the URL names, and fails like a connection when nothing listens', async () => {
    const r = await vpcOutbound(rules())(new Request(`http://127.0.0.1:${port}/vpc`))
    expect(r.status).toBe(201)
    expect(seen.at(-1)?.host).toBe(`127.0.0.1:${port}`)
    const closed = createServer()
    await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res))
    const dead = (closed.address() as AddressInfo).port
    await new Promise<void>((res) => closed.close(() => res()))
    const r2 = await vpcOutbound(rules())(new Request(`http://127.0.0.1:${dead}/`))
    expect([r2.status, r2.headers.get('server'), await r2.text()]).toEqual([502, 'cloudflare', 'error code: 502'])
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { both, diffEnabled, type Pair, type Reply, type Req, startPair } from './harness.ts'

/*
 * Server selection at the edges of the server set (reference §2, §2.8) under HAProxy 2.6 and
 * `edgeproxy dev`, with every server considered UP (no health checks): weight 0, `disabled`,
 * `backup` with and without `option allbackups`, all servers unusable, static-rr, first and
 * leastconn (one request at a time), and source hashing around a weight 0 server. Each backend
 * gets its own sequence of requests, sent in the same order to both proxies.
 */
const CONFIG = `
global
    nbthread 1
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:@PORT@
    use_backend be_%[path,field(2,/)]
backend be_w0
    server a 127.0.0.1:@a@ weight 0
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@ weight 3
backend be_dis
    server a 127.0.0.1:@a@ disabled
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@
backend be_allzero
    server a 127.0.0.1:@a@ weight 0
    server b 127.0.0.1:@b@ weight 0
backend be_zeroback
    server a 127.0.0.1:@a@ weight 0
    server c 127.0.0.1:@c@ backup
backend be_backup
    server a 127.0.0.1:@a@ disabled
    server b 127.0.0.1:@b@ disabled
    server c 127.0.0.1:@c@ backup
    server d 127.0.0.1:@d@ backup
backend be_allbackups
    option allbackups
    server a 127.0.0.1:@a@ disabled
    server c 127.0.0.1:@c@ backup
    server d 127.0.0.1:@d@ backup weight 2
backend be_backact
    server a 127.0.0.1:@a@
    server c 127.0.0.1:@c@ backup
backend be_srr
    balance static-rr
    server a 127.0.0.1:@a@ weight 3
    server b 127.0.0.1:@b@ weight 0
    server c 127.0.0.1:@c@
backend be_first
    balance first
    server b 127.0.0.1:@b@ id 5
    server a 127.0.0.1:@a@ id 2
backend be_lc
    balance leastconn
    server a 127.0.0.1:@a@
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@ disabled
backend be_srcw0
    balance source
    server a 127.0.0.1:@a@ weight 0
    server b 127.0.0.1:@b@
    server c 127.0.0.1:@c@
backend be_alldis
    server a 127.0.0.1:@a@ disabled
    server c 127.0.0.1:@c@ backup disabled
backend be_backrr
    balance roundrobin
    option allbackups
    server a 127.0.0.1:@a@ weight 0
    server c 127.0.0.1:@c@ backup weight 1
    server d 127.0.0.1:@d@ backup weight 3
`

/** The server that answered, or the status when the proxy answered itself. */
function view(r: Reply): string {
  return r.seen?.server ?? String(r.status)
}

const enabled = diffEnabled()

describe.skipIf(!enabled)('differential: server selection edge cases', () => {
  let p: Pair

  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a', 'b', 'c', 'd'] })
  }, 90_000)

  afterAll(async () => {
    await p?.stop()
  })

  async function sequence(backend: string, n: number, src?: (i: number) => string): Promise<string[]> {
    const reqs: Req[] = Array.from({ length: n }, (_, i) => ({ path: `/${backend}/${i}`, ...(src ? { src: src(i) } : {}) }))
    const { h, e } = await both(p, reqs, view)
    expect(e).toEqual(h)
    return h
  }

  it('skips weight 0 and disabled servers in roundrobin', async () => {
    expect(await sequence('w0', 8)).toEqual(['c', 'c', 'c', 'b', 'c', 'c', 'c', 'b'])
    expect(await sequence('dis', 6)).toEqual(['b', 'c', 'b', 'c', 'b', 'c'])
  })

  it('answers 503 when no server can take the request', async () => {
    expect(await sequence('allzero', 2)).toEqual(['503', '503'])
    expect(await sequence('alldis', 1)).toEqual(['503'])
  })

  it('uses the first backup only when no active server is usable, all backups with allbackups', async () => {
    expect(await sequence('zeroback', 2)).toEqual(['c', 'c'])
    expect(await sequence('backup', 4)).toEqual(['c', 'c', 'c', 'c'])
    expect(await sequence('backact', 3)).toEqual(['a', 'a', 'a'])
    expect(await sequence('allbackups', 6)).toEqual(['d', 'd', 'c', 'd', 'd', 'c'])
    expect(await sequence('backrr', 8)).toEqual(['d', 'd', 'd', 'c', 'd', 'd', 'd', 'c'])
  })

  it('follows static-rr, first and leastconn orders', async () => {
    expect(await sequence('srr', 10)).toEqual(['a', 'a', 'a', 'c', 'a', 'a', 'a', 'c', 'a', 'a'])
    expect(await sequence('first', 3)).toEqual(['a', 'a', 'a'])
    expect(await sequence('lc', 6)).toEqual(['a', 'b', 'a', 'b', 'a', 'b'])
  })

  it('hashes sources over the servers with a weight', async () => {
    const h = await sequence('srcw0', 10, (i) => `127.0.${i}.${((i * 7) % 250) + 1}`)
    expect(h).not.toContain('a')
  })
})

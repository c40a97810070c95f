/**
 * Issue 14, hole 4, under `edgeproxy dev` and HAProxy 2.6: `acl evil path_reg ^/(a+)+$` with a
 * hostile path (`/` + a's + `!`) gets the same answer from both, quickly; and while one client
 * sends such requests, another client's benign requests are not held up (the regex runs on the
 * linear-time engine, src/util/regex, so it cannot stall the isolate).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DIFF_DEFAULTS, diffEnabled, type Pair, type Reply, send, startPair } from './harness.ts'

const CONFIG = `${DIFF_DEFAULTS}
frontend fe
    bind 127.0.0.1:@PORT@
    acl evil path_reg ^/(a+)+$
    http-request deny if evil
    http-request set-path %[path,regsub(\\"^/(a+)+x\\",/sub,g)]
    default_backend be

backend be
    server a 127.0.0.1:@a@
`

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

async function timed(port: number, path: string): Promise<{ reply: Reply; ms: number }> {
  const t0 = performance.now()
  const reply = await send(port, { path })
  return { reply, ms: performance.now() - t0 }
}

describe.skipIf(!diffEnabled())('a regex that backtracks exponentially (ReDoS)', () => {
  let p: Pair
  beforeAll(async () => {
    p = await startPair(CONFIG, { live: ['a'] })
  })
  afterAll(async () => {
    await p?.stop()
  })

  it('gets the same answers as HAProxy, attack included', async () => {
    for (const [path, status, seenPath] of [
      ['/aaa', 403, undefined],
      ['/aaax', 200, '/sub'],
      [`/${'a'.repeat(30)}!`, 200, `/${'a'.repeat(30)}!`],
    ] as const) {
      const h = await timed(p.haproxy.port, path)
      const e = await timed(p.edge.port, path)
      expect([e.reply.status, e.reply.seen?.url], path).toEqual([h.reply.status, h.reply.seen?.url])
      expect([e.reply.status, e.reply.seen?.url], path).toEqual([status, seenPath])
    }
  })

  it("does not hold up another client's benign requests while an attack runs", async () => {
    const port = p.edge.port
    for (let i = 0; i < 5; i++) await timed(port, '/index.html')
    const alone: number[] = []
    for (let i = 0; i < 15; i++) alone.push((await timed(port, '/index.html')).ms)

    let attacking = true
    const attacks: number[] = []
    const attacker = (async () => {
      for (let i = 0; attacking; i++) {
        const r = await timed(port, `/${'a'.repeat(i % 2 === 0 ? 30 : 5000)}!`)
        expect(r.reply.status).toBe(200)
        attacks.push(r.ms)
      }
    })()
    const during: number[] = []
    for (let i = 0; i < 15; i++) during.push((await timed(port, '/index.html')).ms)
    attacking = false
    await attacker

    const ratio = median(during) / median(alone)
    console.log(
      `ReDoS under edgeproxy dev: benign alone ${median(alone).toFixed(1)} ms, during the attack ${median(during).toFixed(1)} ms (×${ratio.toFixed(2)}); attack requests ${median(attacks).toFixed(1)} ms (${attacks.length} sent)`,
    )
    expect(attacks.length).toBeGreaterThan(2)
    expect(ratio).toBeLessThan(20)
    expect(median(attacks) / median(alone)).toBeLessThan(20) // the attack itself answers within the budget
    expect(Math.max(...during)).toBeLessThan(2000) // sanity guard only
  })
})

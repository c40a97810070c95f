/**
 * The production Worker's fetch() when something on the request path throws: the client gets
 * HAProxy's 500 page, never the error's message or stack.
 */
import { createExecutionContext, waitOnExecutionContext } from 'cloudflare:test'
import { describe, expect, it } from 'vitest'
import worker from '../../src/index.ts'
import type { Env } from '../../src/worker/env.ts'

describe('fetch(): an error on the request path', () => {
  it("answers HAProxy's 500 page without the error's details", async () => {
    // A binding that throws when read: the Worker cannot even build its engine.
    const env = {
      get EDGEPROXY_ROUTEMAP(): string {
        throw new Error('secret-detail-in-the-stack')
      },
    } as unknown as Env
    const ctx = createExecutionContext()
    const res = await worker.fetch(new Request('http://t.example/'), env, ctx)
    await waitOnExecutionContext(ctx)
    const body = await res.text()
    expect(res.status).toBe(500)
    expect(body).toBe('<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n')
    expect(body).not.toMatch(/secret-detail|at /)
  })
})

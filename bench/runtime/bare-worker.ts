/**
 * @module
 * The baseline: a bare pass-through Worker. Every request goes to `ORIGIN` with the same path,
 * query, method, headers and body, and the origin's response comes back as is.
 */
interface BareEnv {
  readonly ORIGIN: string
}

export default {
  fetch(request: Request, env: BareEnv): Promise<Response> {
    const u = new URL(request.url)
    return fetch(new URL(u.pathname + u.search, env.ORIGIN), request)
  },
} satisfies ExportedHandler<BareEnv>

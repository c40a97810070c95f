/**
 * @module
 * The scenarios, on one timeline per run (they touch different servers and clients, so they run
 * side by side and share the warm-up): uniform traffic all along; a hot client in one location
 * and one client spread over 2, 5 and 20 locations (the seed's rate limit); admin changes
 * (drain, maint, weight) through the runtime API; a config push (a new RouteMap version in KV);
 * an origin failure; counters throughout. Times are ms after the start.
 */

export interface Timeline {
  /** Virtual run length (traffic), then a drain with final flushes. */
  readonly durationMs: number
  /** Measurements of steady state (per-object rates, usage per million) start here. */
  readonly warmupMs: number
  /** Sampled real requests per isolate per second (a regular stream, random phase). */
  readonly samplesPerIsolatePerS: number
  readonly clients: { readonly startMs: number; readonly durationMs: number; readonly rps: number; readonly spreads: readonly number[] }
  readonly admin: readonly { readonly atMs: number; readonly command: string; readonly key: string; readonly field: 'state' | 'weight'; readonly value: string | number }[]
  readonly pushAtMs: number
  readonly failure: { readonly atMs: number; readonly backend: string; readonly server: string; readonly origin: string }
  /** How often the isolates' state is read (admin changes, versions, health). */
  readonly probeEveryMs: number
  readonly cronEveryMs: number
}

/** The full run: 1 M requests/s over 300 locations. Long enough for KV's 60 s after the push. */
export const FULL_TIMELINE: Timeline = {
  durationMs: 110_000,
  warmupMs: 15_000,
  samplesPerIsolatePerS: 1,
  clients: { startMs: 10_000, durationMs: 30_000, rps: 30, spreads: [1, 2, 5, 20] },
  admin: [
    { atMs: 20_000, command: 'set server api_servers/api1 state drain', key: 'api_servers/api1', field: 'state', value: 'drain' },
    { atMs: 25_000, command: 'set server static_servers/static2 state maint', key: 'static_servers/static2', field: 'state', value: 'maint' },
    { atMs: 30_000, command: 'set server web_servers/web3 weight 10', key: 'web_servers/web3', field: 'weight', value: 10 },
  ],
  pushAtMs: 35_000,
  failure: { atMs: 50_000, backend: 'web_servers', server: 'web1', origin: '127.0.0.1:9001' },
  probeEveryMs: 100,
  cronEveryMs: 60_000,
}

/** The quick run (the test suite): a few locations, ~20 s of virtual time. */
export const QUICK_TIMELINE: Timeline = {
  durationMs: 24_000,
  warmupMs: 4_000,
  samplesPerIsolatePerS: 4,
  clients: { startMs: 2_000, durationMs: 14_000, rps: 30, spreads: [1, 2, 3] },
  admin: [
    { atMs: 5_000, command: 'set server api_servers/api1 state drain', key: 'api_servers/api1', field: 'state', value: 'drain' },
    { atMs: 6_000, command: 'set server static_servers/static2 state maint', key: 'static_servers/static2', field: 'state', value: 'maint' },
    { atMs: 7_000, command: 'set server web_servers/web3 weight 10', key: 'web_servers/web3', field: 'weight', value: 10 },
  ],
  pushAtMs: 6_000,
  failure: { atMs: 8_000, backend: 'web_servers', server: 'web1', origin: '127.0.0.1:9001' },
  probeEveryMs: 100,
  cronEveryMs: 60_000,
}

/** The paths of sampled requests and their shares (the seed's ACLs route them to backends). */
export const PATHS: readonly (readonly [string, number])[] = [
  ['/', 0.7],
  ['/api/items', 0.15],
  ['/assets/app.css', 0.15],
]

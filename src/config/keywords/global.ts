/**
 * @module
 * `global` section keywords (doc section 3). Process tuning has no meaning in a Worker; TLS
 * defaults map to Cloudflare zone settings. Each is accepted with a warning that says so, or
 * applied where the edge has an equivalent.
 */
import { allowExperimental } from '../experimental.ts'
import type { Word } from '../lexer.ts'
import { arity, intArg } from './args.ts'
import { TUNE_KEYWORDS } from './tune.ts'
import type { KeywordContext, KeywordDef, Statement } from './types.ts'

const G = ['global'] as const

const PROCESS = 'process and OS tuning has no meaning in a Worker: Cloudflare runs and scales the isolates'
const TLS = "TLS is terminated by Cloudflare: set this in the zone's SSL/TLS > Edge Certificates (Minimum TLS Version, TLS 1.3, Cipher suites)"
const SERVER_TLS = 'origin TLS is negotiated by the Workers runtime; it is not configurable'

function ignored(name: string, note: string): KeywordDef {
  return { name, sections: G, support: 'ignored', note }
}

function parseSpreadChecks(st: Statement, cx: KeywordContext): void {
  if (!arity(st, cx.sv, 1, 1, '<0..50>')) return
  const v = intArg(st.args[0] as Word, cx.sv, 'spread-checks', 0, 50)
  if (v !== undefined) cx.global.spreadChecks = v
}

/** Handled by the parser (they change how later lines expand); accepted here. */
const ENV_KEYWORDS = ['setenv', 'presetenv', 'unsetenv', 'resetenv']

/** Global keywords of later HAProxy versions: HAProxy 2.6 does not know them (unknown keyword). */
const NOT_IN_HAPROXY_26 = new Set([
  'anonkey',
  'debug',
  'harden.reject-privileged-ports.tcp',
  'harden.reject-privileged-ports.quic',
  'key-base',
  'stats-file',
  'ssl-security-level',
  'ssl-default-bind-sigalgs',
  'ssl-default-bind-client-sigalgs',
  'ssl-default-server-curves',
  'ssl-default-server-sigalgs',
  'ssl-default-server-client-sigalgs',
])

export const GLOBAL_KEYWORDS: readonly KeywordDef[] = [
  ...ENV_KEYWORDS.map((name): KeywordDef => ({ name, sections: G, support: 'yes' })),
  { name: 'spread-checks', sections: G, support: 'yes', parse: parseSpreadChecks },
  ignored('max-spread-checks', 'the start-up spreading of the first checks is not modelled'),
  ignored('node', 'the node name is only shown by the stats page and the runtime API'),
  ignored('hard-stop-after', 'Cloudflare runs and stops the isolates; `edgeproxy dev` stops within it on SIGINT/SIGTERM (5 s when unset)'),
  { name: 'localpeer', sections: G, support: 'ignored', note: 'stick tables are global at the edge; there are no peers to name' },
  ...[
    'daemon',
    'master-worker',
    'nbthread',
    'thread-groups',
    'cpu-map',
    'user',
    'group',
    'uid',
    'gid',
    'chroot',
    'pidfile',
    'ulimit-n',
    'grace',
    'busy-polling',
    'noepoll',
    'nokqueue',
    'nopoll',
    'noevports',
    'nosplice',
    'nogetaddrinfo',
    'noreuseport',
    'maxpipes',
    'maxzlibmem',
    'maxcomprate',
    'maxcompcpuusage',
    'maxconnrate',
    'maxsessrate',
    'maxsslrate',
    'maxsslconn',
    'quiet',
    'zero-warning',
    'insecure-fork-wanted',
    'insecure-setuid-wanted',
    'set-dumpable',
    'strict-limits',
    'stats-file',
    'numa-cpu-mapping',
    'close-spread-time',
    'h1-case-adjust',
    'h1-case-adjust-file',
    'server-state-file',
    'server-state-base',
    'mworker-max-reloads',
    'unix-bind',
    'external-check',
    'description',
    'log-send-hostname',
    'log-tag',
    'default-path',
    'fd-hard-limit',
    'anonkey',
    'httpclient.resolvers.id',
    'httpclient.resolvers.prefer',
    'httpclient.ssl.verify',
    'httpclient.ssl.ca-file',
    'profiling.tasks',
    'profiling.memory',
    'debug',
    'ca-base',
    'crt-base',
    'key-base',
    'issuers-chain-path',
    'cluster-secret',
    'harden.reject-privileged-ports.tcp',
    'harden.reject-privileged-ports.quic',
    'h2-workaround-bogus-websocket-clients',
    'pp2-never-send-local',
    'h1-accept-payload-with-any-method',
    'no-memory-trimming',
    'thread-group',
  ]
    .filter((n) => !NOT_IN_HAPROXY_26.has(n))
    .map((n) => ignored(n, PROCESS)),
  ...TUNE_KEYWORDS,
  ...[
    'ssl-default-bind-ciphers',
    'ssl-default-bind-ciphersuites',
    'ssl-default-bind-options',
    'ssl-default-bind-curves',
    'ssl-default-bind-sigalgs',
    'ssl-default-bind-client-sigalgs',
    'ssl-dh-param-file',
    'ssl-server-verify',
    'ssl-engine',
    'ssl-mode-async',
    'ssl-load-extra-files',
    'ssl-load-extra-del-ext',
    'ssl-propquery',
    'ssl-provider',
    'ssl-provider-path',
    'ssl-skip-self-issued-ca',
    'ssl-security-level',
  ]
    .filter((n) => !NOT_IN_HAPROXY_26.has(n))
    .map((n) => ignored(n, TLS)),
  ...['ssl-default-server-ciphers', 'ssl-default-server-ciphersuites', 'ssl-default-server-options', 'ssl-default-server-curves', 'ssl-default-server-sigalgs', 'ssl-default-server-client-sigalgs']
    .filter((n) => !NOT_IN_HAPROXY_26.has(n))
    .map((n) => ignored(n, SERVER_TLS)),
  { name: 'expose-experimental-directives', sections: G, support: 'yes', parse: (_st, cx) => allowExperimental(cx.sv) },
  { name: 'lua-load', sections: G, support: 'no', note: 'Lua scripts cannot run in a Worker: port the logic to http-request rules or a Worker module' },
  { name: 'lua-load-per-thread', sections: G, support: 'no', note: 'Lua scripts cannot run in a Worker' },
  { name: 'lua-prepend-path', sections: G, support: 'no', note: 'Lua scripts cannot run in a Worker' },
]

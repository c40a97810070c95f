/**
 * @module
 * `edgeproxy init`: a starter haproxy.cfg (valid, commented, with a hostname origin the edge can
 * reach) and EDGEPROXY.md (the few commands from here to a routed domain) in the current
 * directory. Existing files are never overwritten: init names them and changes nothing.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Io } from './compile-files.ts'

export const STARTER_CONFIG = `# edgeproxy: this file is HAProxy 2.6 configuration, run by a Cloudflare Worker.
#   npx edgeproxy check -f haproxy.cfg          validate it (like 'haproxy -c -f')
#   npx edgeproxy dev -f haproxy.cfg            run it locally
#   npx edgeproxy deploy -f haproxy.cfg --domain lb.example.com
# See EDGEPROXY.md and node_modules/edgeproxy/docs/deploy.md.

global
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    option forwardfor
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    # Active health checks every 5 s: 3 failures mark a server DOWN, 2 successes UP again.
    default-server inter 5s fall 3 rise 2

# At the edge Cloudflare terminates TLS: a request for https://your.domain/ reaches this frontend
# (the first HTTP frontend with a bind serves every hostname 'deploy --domain' does not map elsewhere).
frontend web
    bind *:8080
    http-request set-header X-Real-IP %[src]
    default_backend app

backend app
    balance roundrobin
    option httpchk GET /
    # Origins by hostname: the edge reaches them with fetch() on Cloudflare's proxy ports
    # (80, 443, 8080, 8443...). Private addresses (10.x, 192.168.x, 127.0.0.1) are reachable
    # only through a Cloudflare Tunnel: 'deploy --vpc-network cf1:network' (docs/deploy.md).
    server web1 origin1.example.com:443 ssl check
    server web2 origin2.example.com:443 ssl check

# The stats page, served on its own hostname: deploy --domain stats=stats.example.com
frontend stats
    bind *:8404
    stats enable
    stats uri /
    stats refresh 10s
`

export const STARTER_README = `# edgeproxy

This project's load balancer is \`haproxy.cfg\`, run on Cloudflare's edge by edgeproxy
(node_modules/edgeproxy/README.md; Node 22.18 or later).

\`\`\`sh
npx edgeproxy check -f haproxy.cfg                  # validate
npx edgeproxy dev -f haproxy.cfg                    # run locally (http://localhost:8080)
npx edgeproxy deploy -f haproxy.cfg --domain lb.example.com --dry-run   # bundle, no account needed
npx wrangler login                                  # once
npx edgeproxy deploy -f haproxy.cfg --domain lb.example.com --domain stats=stats.example.com
npx edgeproxy push -f haproxy.cfg --remote          # a new configuration, without redeploying
npx edgeproxy status --remote                       # versions; 'rollback --remote' goes back one
npx wrangler tail <worker-name>                     # live logs
\`\`\`

\`deploy\` writes \`.edgeproxy/wrangler.json\` (commit \`.edgeproxy/state.json\`: it holds the KV
namespace id). Origins with private addresses need a Cloudflare Tunnel and
\`--vpc-network cf1:network\`. The whole path (custom domains, Tunnel, mTLS, API token, limits,
rollback): node_modules/edgeproxy/docs/deploy.md.
`

/** What init writes, by file name. */
export const INIT_FILES: readonly (readonly [string, string])[] = [
  ['haproxy.cfg', STARTER_CONFIG],
  ['EDGEPROXY.md', STARTER_README],
]

export function initCommand(dir: string, io: Io): number {
  const existing = INIT_FILES.map(([f]) => f).filter((f) => existsSync(join(dir, f)))
  if (existing.length > 0) {
    io.err(`edgeproxy init: ${existing.join(', ')} already exist${existing.length === 1 ? 's' : ''}; nothing written (move ${existing.length === 1 ? 'it' : 'them'} away to start over)`)
    return 1
  }
  for (const [f, text] of INIT_FILES) writeFileSync(join(dir, f), text)
  io.out(`wrote ${INIT_FILES.map(([f]) => f).join(' and ')}: next, 'npx edgeproxy check -f haproxy.cfg', then EDGEPROXY.md`)
  return 0
}

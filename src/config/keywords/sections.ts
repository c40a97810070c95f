/**
 * @module
 * Keywords of the auxiliary sections: `userlist` (users and groups, used by http_auth and
 * `http-request auth`), `peers` (accepted; tables are global at the edge), `resolvers` (accepted;
 * Cloudflare resolves origins).
 */
import type { KeywordDef } from './types.ts'

const NO_EDGE_DNS = 'origins are resolved by Cloudflare DNS'

export const SECTION_KEYWORDS: readonly KeywordDef[] = [
  { name: 'nameserver', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'parse-resolv-conf', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'hold', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'resolve_retries', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'timeout', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
  { name: 'accepted_payload_size', sections: ['resolvers'], support: 'ignored', note: NO_EDGE_DNS },
]

/**
 * `balance uri` with map-based and consistent hashing, every hash function, len/depth/whole/path-only.
 *
 * Every expectation below was measured on HAProxy 2.6.12 (Debian 2.6.12-1+deb12u4): one
 * `listen` section per case with `mode http`, `nbthread 1`, the `balance`/`hash-type` shown,
 * servers s1…sN on 127.0.0.1 answering their own name (no health checks), requests sent one at a
 * time over new connections from 127.0.0.1 unless a source address is given. Server tokens: see
 * helpers.ts (`2b` backup, `1x` disabled, `1d` dead, `1#7` id 7). Dead servers use
 * `retries 1`, `option redispatch 1`. 57 cases, 1201 requests.
 */
import { describe, expect, it } from 'vitest'
import { type MeasuredCase, makeBalancer, request, requests, runPicks, times } from './helpers.ts'

/** Paths /k0 … /k15. */
const K16 = Array.from({ length: 16 }, (_, i) => ({ request: request({ path: `/k${i}` }) }))

/** Paths /q0 … /q7. */
const Q8 = Array.from({ length: 8 }, (_, i) => ({ request: request({ path: `/q${i}` }) }))

/** Paths /g0 … /g29. */
const G30 = Array.from({ length: 30 }, (_, i) => ({ request: request({ path: `/g${i}` }) }))

/** Paths /r0 … /r11. */
const R12 = Array.from({ length: 12 }, (_, i) => ({ request: request({ path: `/r${i}` }) }))

/** Request targets hashed by `balance uri`. */
const URIS = requests([
  { path: '/' },
  { path: '/a' },
  { path: '/b' },
  { path: '/a/b' },
  { path: '/a/b/c' },
  { path: '/index.html' },
  { path: '/img/logo.png' },
  { path: '/api/v1/users' },
  { path: '/api/v1/users?id=7' },
  { path: '/api/v2/items/42' },
  { path: '/d1/e2/f3' },
  { path: '/d1/e2/f4' },
  { path: '/search?q=haproxy' },
  { path: '/search?q=edge' },
  { path: '/x?y' },
  { path: '/url1' },
  { path: '/url2' },
  { path: '/url3' },
  { path: '/url4' },
  { path: '/static/app.js?v=3' },
  { path: '/static/app.css' },
  { path: '/very/long/path/to/some/resource.json' },
  { path: '/A/B/C' },
  { path: '/user/1234/profile' },
  { path: '/user/5678/profile' },
  { path: '/cart?item=1&qty=2' },
  { path: '/%7Euser/' },
  { path: '/a/b?c/d' },
  { path: '/??' },
  { path: '/health' },
])

/** Absolute-form targets (the Host header matches the authority). */
const ABS = requests([
  { path: 'http://example.com/a/b', headers: { Host: 'example.com' } },
  { path: 'http://example.com/a/c?x=1', headers: { Host: 'example.com' } },
  { path: 'https://other.org/a/b', headers: { Host: 'other.org' } },
  { path: 'http://h/x', headers: { Host: 'h' } },
  { path: 'http://user@h:8080/p/q?r', headers: { Host: 'h:8080' } },
])

const MEASURED: readonly MeasuredCase[] = [
  { name: 'uri consistent 1 active + 2 backups', balance: 'uri', hashType: 'consistent', servers: '1 1b 1b', inputs: K16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'uri consistent 1 active + 2 backups allbackups', balance: 'uri', hashType: 'consistent', servers: '1 1b 1b', allbackups: true, inputs: K16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'uri map 1 active + 2 backups', balance: 'uri', servers: '1 1b 1b', inputs: K16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'uri consistent active disabled, backups 1,3', balance: 'uri', hashType: 'consistent', servers: '1x 1b 3b', inputs: K16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  {
    name: 'uri consistent active disabled, backups 1,3 allbackups',
    balance: 'uri',
    hashType: 'consistent',
    servers: '1x 1b 3b',
    allbackups: true,
    inputs: K16,
    expected: '3 3 2 3 3 2 2 3 3 3 3 2 3 2 2 3',
  },
  { name: 'uri map active disabled, backups 1,3', balance: 'uri', servers: '1x 1b 3b', inputs: K16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'uri consistent active weight 0, backups 2,1', balance: 'uri', hashType: 'consistent', servers: '0 2b 1b', inputs: K16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  {
    name: 'uri consistent active weight 0, backups 2,1 allbackups',
    balance: 'uri',
    hashType: 'consistent',
    servers: '0 2b 1b',
    allbackups: true,
    inputs: K16,
    expected: '3 3 2 3 3 2 2 3 2 2 2 2 3 2 2 3',
  },
  { name: 'uri map active weight 0, backups 2,1', balance: 'uri', servers: '0 2b 1b', inputs: K16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'uri consistent active disabled, first backup disabled', balance: 'uri', hashType: 'consistent', servers: '1x 1bx 2b 1b', inputs: K16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  {
    name: 'uri consistent active disabled, first backup disabled allbackups',
    balance: 'uri',
    hashType: 'consistent',
    servers: '1x 1bx 2b 1b',
    allbackups: true,
    inputs: K16,
    expected: '3 3 4 3 3 3 4 3 3 3 4 4 3 3 3 4',
  },
  { name: 'uri map active disabled, first backup disabled', balance: 'uri', servers: '1x 1bx 2b 1b', inputs: K16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  { name: 'uri consistent backups 2,5 quirk', balance: 'uri', hashType: 'consistent', servers: '1x 2b 5b', inputs: K16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'uri consistent backups 2,5 quirk allbackups', balance: 'uri', hashType: 'consistent', servers: '1x 2b 5b', allbackups: true, inputs: K16, expected: '3 3 3 3 3 3 2 3 2 3 3 3 3 2 2 3' },
  { name: 'uri map backups 2,5 quirk', balance: 'uri', servers: '1x 2b 5b', inputs: K16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  { name: 'uri consistent backups 3,1,2', balance: 'uri', hashType: 'consistent', servers: '2x 3b 1b 2b', inputs: K16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'uri consistent backups 3,1,2 allbackups', balance: 'uri', hashType: 'consistent', servers: '2x 3b 1b 2b', allbackups: true, inputs: K16, expected: '4 3 2 3 3 2 2 3 2 2 4 2 3 2 2 4' },
  { name: 'uri map backups 3,1,2', balance: 'uri', servers: '2x 3b 1b 2b', inputs: K16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'uri none usable', balance: 'uri', hashType: 'consistent', servers: '0 0b', inputs: times(3), expected: '- - -' },
  { name: 'uri map 2-4 + disabled 1', balance: 'uri', servers: '2 4 1x', inputs: G30, expected: '2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1' },
  { name: 'uri map 2-4', balance: 'uri', servers: '2 4', inputs: G30, expected: '2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1 2 2 1' },
  { name: 'uri [default] 3-2-1', balance: 'uri', servers: '3 2 1', inputs: URIS, expected: '3 1 1 3 3 1 1 2 2 1 2 1 1 1 3 1 2 1 2 2 1 1 1 3 1 3 2 3 3 3' },
  {
    name: 'uri [map-based sdbm avalanche] 3-2-1',
    balance: 'uri',
    hashType: 'map-based sdbm avalanche',
    servers: '3 2 1',
    inputs: URIS,
    expected: '1 2 2 2 1 1 3 1 1 3 1 2 1 1 1 2 1 3 3 3 1 2 1 1 2 2 1 2 1 2',
  },
  { name: 'uri [map-based djb2] 3-2-1', balance: 'uri', hashType: 'map-based djb2', servers: '3 2 1', inputs: URIS, expected: '2 1 2 2 2 1 1 1 1 1 1 2 2 2 1 1 1 2 1 1 1 1 1 2 2 2 1 2 2 2' },
  {
    name: 'uri [map-based djb2 avalanche] 3-2-1',
    balance: 'uri',
    hashType: 'map-based djb2 avalanche',
    servers: '3 2 1',
    inputs: URIS,
    expected: '3 1 3 1 2 1 2 3 3 1 1 1 2 2 2 1 2 3 1 1 1 1 2 3 1 1 1 1 3 1',
  },
  { name: 'uri [map-based wt6] 3-2-1', balance: 'uri', hashType: 'map-based wt6', servers: '3 2 1', inputs: URIS, expected: '1 1 3 2 1 1 1 2 2 1 2 1 2 2 1 1 3 1 3 2 1 1 2 2 1 1 3 2 1 2' },
  {
    name: 'uri [map-based wt6 avalanche] 3-2-1',
    balance: 'uri',
    hashType: 'map-based wt6 avalanche',
    servers: '3 2 1',
    inputs: URIS,
    expected: '2 2 2 3 1 3 1 1 1 1 1 3 1 1 1 1 1 1 1 1 2 2 1 3 2 1 3 3 2 1',
  },
  { name: 'uri [map-based crc32] 3-2-1', balance: 'uri', hashType: 'map-based crc32', servers: '3 2 1', inputs: URIS, expected: '2 1 1 1 2 2 2 1 1 1 3 2 1 1 2 1 3 1 2 1 1 1 1 1 2 1 2 1 2 1' },
  {
    name: 'uri [map-based crc32 avalanche] 3-2-1',
    balance: 'uri',
    hashType: 'map-based crc32 avalanche',
    servers: '3 2 1',
    inputs: URIS,
    expected: '1 1 2 1 1 2 1 1 1 1 1 1 2 2 1 3 3 2 1 2 3 2 1 1 3 2 1 1 1 1',
  },
  { name: 'uri [consistent] 3-2-1', balance: 'uri', hashType: 'consistent', servers: '3 2 1', inputs: URIS, expected: '1 2 2 2 1 1 1 2 2 3 2 1 1 1 2 1 1 3 1 1 1 1 2 1 2 2 2 2 1 2' },
  { name: 'uri [consistent sdbm] 3-2-1', balance: 'uri', hashType: 'consistent sdbm', servers: '3 2 1', inputs: URIS, expected: '1 1 1 2 2 2 1 3 3 1 1 1 1 1 1 2 2 2 2 1 2 1 1 2 1 1 1 2 1 1' },
  { name: 'uri [consistent djb2] 3-2-1', balance: 'uri', hashType: 'consistent djb2', servers: '3 2 1', inputs: URIS, expected: '1 1 1 2 2 1 2 1 1 2 2 2 1 1 1 1 1 1 1 3 1 3 2 1 2 1 1 2 1 1' },
  {
    name: 'uri [consistent djb2 avalanche] 3-2-1',
    balance: 'uri',
    hashType: 'consistent djb2 avalanche',
    servers: '3 2 1',
    inputs: URIS,
    expected: '1 1 2 3 1 1 2 2 2 2 1 2 2 2 1 3 1 2 2 2 3 2 1 1 1 1 2 3 1 1',
  },
  { name: 'uri [consistent wt6] 3-2-1', balance: 'uri', hashType: 'consistent wt6', servers: '3 2 1', inputs: URIS, expected: '1 1 1 1 1 2 1 1 1 3 2 2 1 1 1 3 3 3 3 2 2 1 1 2 1 1 1 1 1 2' },
  {
    name: 'uri [consistent wt6 avalanche] 3-2-1',
    balance: 'uri',
    hashType: 'consistent wt6 avalanche',
    servers: '3 2 1',
    inputs: URIS,
    expected: '3 1 2 3 1 2 1 1 1 3 1 1 1 1 1 1 2 1 2 1 1 2 2 3 2 3 3 3 3 2',
  },
  { name: 'uri [consistent crc32] 3-2-1', balance: 'uri', hashType: 'consistent crc32', servers: '3 2 1', inputs: URIS, expected: '2 1 2 1 2 2 1 2 2 2 1 1 1 1 1 3 2 1 2 1 1 2 1 2 1 1 2 1 2 1' },
  {
    name: 'uri [consistent crc32 avalanche] 3-2-1',
    balance: 'uri',
    hashType: 'consistent crc32 avalanche',
    servers: '3 2 1',
    inputs: URIS,
    expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 2 2 2 1 2 2 1 1 2 1 1 1 1 1 2',
  },
  { name: 'uri default 1-1-1-1', balance: 'uri', servers: '1 1 1 1', inputs: URIS, expected: '4 3 4 2 2 3 2 1 1 1 1 2 4 4 2 2 3 4 1 1 1 1 2 2 2 4 1 2 4 4' },
  { name: 'uri consistent 1-1-1', balance: 'uri', hashType: 'consistent', servers: '1 1 1', inputs: URIS, expected: '2 2 2 2 1 3 2 3 3 3 3 1 1 1 2 2 1 3 1 1 2 1 2 1 3 2 3 2 2 2' },
  { name: 'uri consistent 10-20-30 ids', balance: 'uri', hashType: 'consistent', servers: '10#7 20#100 30#3', inputs: URIS, expected: '2 1 2 2 2 1 1 3 3 3 3 2 2 2 3 3 3 3 2 2 2 2 2 3 2 2 3 2 2 1' },
  { name: 'uri whole', balance: 'uri whole', servers: '1 1 1 1 1', inputs: URIS, expected: '3 1 2 2 3 2 3 1 3 2 4 5 5 1 4 5 1 2 3 2 4 4 2 5 5 5 5 5 1 4' },
  { name: 'uri depth 2', balance: 'uri depth 2', servers: '1 1 1 1 1', inputs: URIS, expected: '3 1 2 2 2 2 3 2 2 3 4 4 1 1 4 5 1 2 3 4 4 4 5 4 5 2 5 2 3 4' },
  { name: 'uri depth 1', balance: 'uri depth 1', servers: '1 1 1 1 1', inputs: URIS, expected: '3 1 2 1 1 2 5 4 4 4 5 5 1 1 4 5 1 2 3 1 1 4 4 2 2 2 5 1 3 4' },
  { name: 'uri len 5', balance: 'uri len 5', servers: '1 1 1 1 1', inputs: URIS, expected: '3 1 2 2 1 4 2 4 4 4 3 3 3 3 4 5 1 2 3 5 5 4 1 2 2 2 1 2 3 5' },
  { name: 'uri len 3 depth 2', balance: 'uri len 3 depth 2', servers: '1 1 1 1 1', inputs: URIS, expected: '3 1 2 1 1 1 5 1 1 1 5 5 2 2 4 3 3 3 3 2 2 4 3 4 4 4 4 1 3 3' },
  { name: 'uri path-only', balance: 'uri path-only', servers: '1 1 1 1 1', inputs: URIS, expected: '3 1 2 2 3 2 3 1 1 2 4 5 1 1 4 5 1 2 3 4 4 4 2 5 5 2 5 2 3 4' },
  { name: 'uri path-only whole', balance: 'uri path-only whole', servers: '1 1 1 1 1', inputs: URIS, expected: '3 1 2 2 3 2 3 1 3 2 4 5 5 1 4 5 1 2 3 2 4 4 2 5 5 5 5 5 1 4' },
  { name: 'uri absolute-form', balance: 'uri', servers: '1 1 1 1 1', inputs: ABS, expected: '2 3 4 3 4' },
  { name: 'uri whole absolute-form', balance: 'uri whole', servers: '1 1 1 1 1', inputs: ABS, expected: '2 3 4 3 4' },
  { name: 'uri path-only absolute-form', balance: 'uri path-only', servers: '1 1 1 1 1', inputs: ABS, expected: '2 3 2 4 2' },
  { name: 'uri path-only whole absolute-form', balance: 'uri path-only whole', servers: '1 1 1 1 1', inputs: ABS, expected: '2 3 2 4 3' },
  { name: 'uri depth 1 absolute-form', balance: 'uri depth 1', servers: '1 1 1 1 1', inputs: ABS, expected: '1 1 2 1 1' },
  { name: 'uri len 12 absolute-form', balance: 'uri len 12', servers: '1 1 1 1 1', inputs: ABS, expected: '2 2 3 3 4' },
  { name: 'uri gcd quirk active 3 down, backups 2,4', balance: 'uri', servers: '3x 2b 4b', inputs: Q8, expected: '3 3 3 3 3 3 3 3' },
  { name: 'uri gcd quirk backups 2,4', balance: 'uri', servers: '2x 2b 4b', inputs: Q8, expected: '2 2 2 2 2 2 2 2' },
  { name: 'avoid uri consistent s2 dead', balance: 'uri', hashType: 'consistent', servers: '1 1d 1', inputs: R12, expected: '3 3 1 3 3 3 1 3 3 3 3 3' },
  { name: 'avoid uri map s2 dead', balance: 'uri', servers: '1 1d 1', inputs: R12, expected: '1 - 3 1 - 3 1 - 3 1 3 1' },
]

describe('uri: identical to HAProxy 2.6', () => {
  it.each(MEASURED)('$name', (c) => {
    const { lb, be } = makeBalancer(c.balance, c.hashType, c.servers, c.allbackups)
    expect(runPicks(lb, be, c.inputs)).toBe(c.expected)
  })
})

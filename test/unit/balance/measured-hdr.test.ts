/**
 * `balance hdr(name)` and `hdr(host) use_domain_only`; a missing or empty header falls back to round robin.
 *
 * Every expectation below was measured on HAProxy 2.6.12 (Debian 2.6.12-1+deb12u4): one
 * `listen` section per case with `mode http`, `nbthread 1`, the `balance`/`hash-type` shown,
 * servers s1…sN on 127.0.0.1 answering their own name (no health checks), requests sent one at a
 * time over new connections from 127.0.0.1 unless a source address is given. Server tokens: see
 * helpers.ts (`2b` backup, `1x` disabled, `1d` dead, `1#7` id 7). Dead servers use
 * `retries 1`, `option redispatch 1`. 24 cases, 602 requests.
 */
import { describe, expect, it } from 'vitest'
import { type MeasuredCase, makeBalancer, requests, runPicks, times } from './helpers.ts'

/** Values of the X-K header (the last three: absent, empty, lower-case name). */
const HREQ = requests([
  { headers: { 'X-K': 'user1' } },
  { headers: { 'X-K': 'user2' } },
  { headers: { 'X-K': 'user3' } },
  { headers: { 'X-K': 'user4' } },
  { headers: { 'X-K': 'user5' } },
  { headers: { 'X-K': 'alice' } },
  { headers: { 'X-K': 'bob' } },
  { headers: { 'X-K': 'carol' } },
  { headers: { 'X-K': 'dave' } },
  { headers: { 'X-K': 'eve' } },
  { headers: { 'X-K': 'user1,zzz' } },
  { headers: { 'X-K': 'user1, zzz' } },
  { headers: { 'X-K': '  padded  ' } },
  { headers: { 'X-K': '"a,b",c' } },
  { headers: { 'X-K': 'x y z' } },
  { headers: { 'X-K': 'UPPER' } },
  { headers: { 'X-K': '12345' } },
  { headers: { 'X-K': 'a' } },
  { headers: { 'X-K': 'b' } },
  { headers: { 'X-K': 'c' } },
  { headers: { 'X-K': 'tenant-77' } },
  { headers: { 'X-K': 'tenant-78' } },
  { headers: { 'X-K': ', first empty' } },
  { headers: { 'X-K': 'v;w' } },
  { headers: {} },
  { headers: { 'X-K': '' } },
  { headers: { 'x-k': 'user2', 'X-Other': '1' } },
])

/** Host header values. */
const HOSTS = requests([
  { headers: { Host: 'haproxy.1wt.eu' } },
  { headers: { Host: 'www.example.com' } },
  { headers: { Host: 'example.com' } },
  { headers: { Host: 'api.example.com' } },
  { headers: { Host: 'localhost' } },
  { headers: { Host: 'a.b.c.d' } },
  { headers: { Host: 'example.com.' } },
  { headers: { Host: '.com' } },
  { headers: { Host: 'www.example.com:8080' } },
  { headers: { Host: 'foo.bar' } },
  { headers: { Host: 'x' } },
  { headers: { Host: 'shop.example.org' } },
  { headers: { Host: 'mail.example.org' } },
  { headers: { Host: 'example.org' } },
  { headers: { Host: 'www.test.co.uk' } },
  { headers: { Host: 'test.co.uk' } },
  { headers: { Host: 'one.two.three' } },
  { headers: { Host: 'two.three' } },
  { headers: { Host: 'cdn.static.net' } },
  { headers: { Host: 'static.net' } },
  { headers: { Host: 'a.b' } },
  { headers: { Host: 'b' } },
  { headers: { Host: 'host-1.internal' } },
  { headers: { Host: 'host-2.internal' } },
])

const MEASURED: readonly MeasuredCase[] = [
  { name: 'hdr(x-k) [default] 1-1-1', balance: 'hdr(x-k)', servers: '1 1 1', inputs: HREQ, expected: '1 2 3 1 2 3 3 2 1 1 1 1 3 2 1 1 3 2 3 1 1 2 1 2 2 3 2' },
  { name: 'hdr(x-k) [default] 3-2-1', balance: 'hdr(x-k)', servers: '3 2 1', inputs: HREQ, expected: '1 1 2 1 2 2 3 1 1 1 1 1 2 1 1 1 3 1 2 1 1 2 1 2 1 2 1' },
  {
    name: 'hdr(x-k) [map-based sdbm avalanche] 1-1-1',
    balance: 'hdr(x-k)',
    hashType: 'map-based sdbm avalanche',
    servers: '1 1 1',
    inputs: HREQ,
    expected: '3 3 1 2 3 3 3 1 3 1 3 3 2 2 3 2 1 3 3 3 3 3 1 2 2 3 3',
  },
  {
    name: 'hdr(x-k) [map-based sdbm avalanche] 3-2-1',
    balance: 'hdr(x-k)',
    hashType: 'map-based sdbm avalanche',
    servers: '3 2 1',
    inputs: HREQ,
    expected: '2 2 1 2 3 3 2 1 2 1 2 2 2 1 2 1 1 3 3 2 3 3 1 2 1 2 2',
  },
  { name: 'hdr(x-k) [map-based djb2] 1-1-1', balance: 'hdr(x-k)', hashType: 'map-based djb2', servers: '1 1 1', inputs: HREQ, expected: '1 2 3 1 2 2 3 3 2 3 1 1 3 1 2 1 2 2 3 1 2 3 1 3 2 3 2' },
  { name: 'hdr(x-k) [map-based djb2] 3-2-1', balance: 'hdr(x-k)', hashType: 'map-based djb2', servers: '3 2 1', inputs: HREQ, expected: '1 2 3 1 1 1 2 2 1 3 1 1 3 1 2 1 2 2 3 1 2 3 1 3 1 2 2' },
  { name: 'hdr(x-k) [map-based wt6] 1-1-1', balance: 'hdr(x-k)', hashType: 'map-based wt6', servers: '1 1 1', inputs: HREQ, expected: '1 1 1 1 1 1 2 2 2 1 1 1 3 3 1 1 2 3 3 1 2 3 1 1 2 3 1' },
  { name: 'hdr(x-k) [map-based wt6] 3-2-1', balance: 'hdr(x-k)', hashType: 'map-based wt6', servers: '3 2 1', inputs: HREQ, expected: '1 1 1 1 1 1 1 2 1 1 1 1 3 3 1 1 2 3 3 1 2 2 1 1 1 2 1' },
  { name: 'hdr(x-k) [map-based crc32] 1-1-1', balance: 'hdr(x-k)', hashType: 'map-based crc32', servers: '1 1 1', inputs: HREQ, expected: '2 3 3 1 2 3 3 3 3 1 2 2 3 2 1 1 1 1 3 1 3 1 1 2 2 3 3' },
  { name: 'hdr(x-k) [map-based crc32] 3-2-1', balance: 'hdr(x-k)', hashType: 'map-based crc32', servers: '3 2 1', inputs: HREQ, expected: '1 3 3 1 2 3 2 3 2 1 1 1 2 2 1 1 1 1 3 1 2 1 1 1 1 2 3' },
  { name: 'hdr(x-k) [consistent] 1-1-1', balance: 'hdr(x-k)', hashType: 'consistent', servers: '1 1 1', inputs: HREQ, expected: '2 2 3 1 1 1 1 2 1 1 2 2 2 1 2 2 2 3 2 3 1 1 3 2 3 2 2' },
  { name: 'hdr(x-k) [consistent] 3-2-1', balance: 'hdr(x-k)', hashType: 'consistent', servers: '3 2 1', inputs: HREQ, expected: '2 2 3 1 2 1 1 2 1 1 2 2 2 1 2 2 2 2 2 1 1 1 3 2 1 1 2' },
  { name: 'hdr(x-k) [consistent djb2] 1-1-1', balance: 'hdr(x-k)', hashType: 'consistent djb2', servers: '1 1 1', inputs: HREQ, expected: '3 3 3 3 3 3 3 3 2 3 3 3 3 3 3 3 3 3 3 3 1 1 3 3 3 2 3' },
  { name: 'hdr(x-k) [consistent djb2] 3-2-1', balance: 'hdr(x-k)', hashType: 'consistent djb2', servers: '3 2 1', inputs: HREQ, expected: '1 1 1 1 1 1 1 1 2 1 1 1 1 1 1 1 1 1 1 1 1 1 3 1 1 1 1' },
  {
    name: 'hdr(x-k) [consistent crc32 avalanche] 1-1-1',
    balance: 'hdr(x-k)',
    hashType: 'consistent crc32 avalanche',
    servers: '1 1 1',
    inputs: HREQ,
    expected: '3 1 1 2 2 1 3 3 2 2 3 3 2 3 1 3 2 3 3 1 2 1 3 3 3 2 1',
  },
  {
    name: 'hdr(x-k) [consistent crc32 avalanche] 3-2-1',
    balance: 'hdr(x-k)',
    hashType: 'consistent crc32 avalanche',
    servers: '3 2 1',
    inputs: HREQ,
    expected: '2 1 1 2 1 1 2 3 2 2 2 2 2 2 2 2 2 3 1 1 2 1 3 1 1 1 1',
  },
  {
    name: 'hdr(x-k) [consistent wt6 avalanche] 1-1-1',
    balance: 'hdr(x-k)',
    hashType: 'consistent wt6 avalanche',
    servers: '1 1 1',
    inputs: HREQ,
    expected: '3 1 3 1 3 2 3 3 3 1 3 3 2 1 1 1 3 1 3 1 2 3 3 2 3 2 1',
  },
  {
    name: 'hdr(x-k) [consistent wt6 avalanche] 3-2-1',
    balance: 'hdr(x-k)',
    hashType: 'consistent wt6 avalanche',
    servers: '3 2 1',
    inputs: HREQ,
    expected: '1 1 1 1 2 1 1 3 2 1 1 1 2 1 1 1 3 2 2 1 2 3 3 2 1 1 1',
  },
  { name: 'hdr(host) use_domain_only [default]', balance: 'hdr(host) use_domain_only', servers: '1 1 1 1 1', inputs: HOSTS, expected: '3 1 1 1 5 5 4 5 1 1 1 1 1 1 3 3 3 3 4 4 3 4 4 5' },
  { name: 'hdr(host) [default]', balance: 'hdr(host)', servers: '1 1 1 1 1', inputs: HOSTS, expected: '5 3 4 4 5 4 3 5 3 1 1 4 5 5 1 3 3 1 4 4 3 4 1 5' },
  {
    name: 'hdr(host) use_domain_only [consistent]',
    balance: 'hdr(host) use_domain_only',
    hashType: 'consistent',
    servers: '1 1 1 1 1',
    inputs: HOSTS,
    expected: '5 1 1 1 2 3 1 4 1 5 3 1 1 1 1 1 5 5 2 2 3 2 4 3',
  },
  { name: 'hdr(host) [consistent]', balance: 'hdr(host)', hashType: 'consistent', servers: '1 1 1 1 1', inputs: HOSTS, expected: '2 1 3 2 2 5 1 4 5 2 3 1 1 2 5 3 3 2 3 2 1 2 5 1' },
  { name: 'avoid hdr consistent missing s1 dead', balance: 'hdr(x-k)', hashType: 'consistent', servers: '1d 1 1', inputs: times(10), expected: '3 3 2 3 2 3 2 2 3 3' },
  { name: 'avoid hdr map missing s1 dead', balance: 'hdr(x-k)', servers: '1d 1 1', inputs: times(10), expected: '2 3 2 3 2 3 2 3 2 3' },
]

describe('hdr: identical to HAProxy 2.6', () => {
  it.each(MEASURED)('$name', (c) => {
    const { lb, be } = makeBalancer(c.balance, c.hashType, c.servers, c.allbackups)
    expect(runPicks(lb, be, c.inputs)).toBe(c.expected)
  })
})

/**
 * `balance url_param id` (query string only) with map-based and consistent hashing; a missing parameter falls back to round robin.
 *
 * Every expectation below was measured on HAProxy 2.6.12 (Debian 2.6.12-1+deb12u4): one
 * `listen` section per case with `mode http`, `nbthread 1`, the `balance`/`hash-type` shown,
 * servers s1…sN on 127.0.0.1 answering their own name (no health checks), requests sent one at a
 * time over new connections from 127.0.0.1 unless a source address is given. Server tokens: see
 * helpers.ts (`2b` backup, `1x` disabled, `1d` dead, `1#7` id 7). Dead servers use
 * `retries 1`, `option redispatch 1`. 10 cases, 280 requests.
 */
import { describe, expect, it } from 'vitest'
import { type MeasuredCase, makeBalancer, requests, runPicks } from './helpers.ts'

/** Request targets for `balance url_param id`. */
const QS = requests([
  { path: '/?id=1' },
  { path: '/?id=2' },
  { path: '/?id=3' },
  { path: '/?id=42' },
  { path: '/?id=user7' },
  { path: '/p?id=abc&x=1' },
  { path: '/p?x=1&id=abc' },
  { path: '/p?x=1&id=abc&id=zzz' },
  { path: '/p?xid=9&id=5' },
  { path: '/p?id=' },
  { path: '/p?id=&x=2' },
  { path: '/p?ID=5' },
  { path: '/p?idx=5' },
  { path: '/p' },
  { path: '/p?x=1' },
  { path: '/p?id' },
  { path: '/p?a=b&id=%20sp' },
  { path: '/p?id=v;w' },
  { path: '/p?id=a?b' },
  { path: '/p/?id=long-value-with-dashes' },
  { path: '/p?id=123456789' },
  { path: '/p?id=u1' },
  { path: '/p?id=u2' },
  { path: '/p?id=u3' },
  { path: '/p?id=u4' },
  { path: '/p?id=u5' },
  { path: '/p?&id=7' },
  { path: '/p?id=7&id=8' },
])

const MEASURED: readonly MeasuredCase[] = [
  { name: 'url_param id [default] 1-1-1', balance: 'url_param id', servers: '1 1 1', inputs: QS, expected: '2 3 1 1 1 3 3 3 3 1 1 1 2 3 1 2 3 2 3 3 1 2 3 1 2 3 2 2' },
  { name: 'url_param id [default] 3-2-1', balance: 'url_param id', servers: '3 2 1', inputs: QS, expected: '1 2 1 1 1 2 2 2 3 1 1 1 1 2 1 2 2 2 2 2 1 2 3 1 1 2 1 1' },
  {
    name: 'url_param id [map-based djb2] 1-1-1',
    balance: 'url_param id',
    hashType: 'map-based djb2',
    servers: '1 1 1',
    inputs: QS,
    expected: '2 3 1 3 1 1 1 1 3 3 3 1 2 3 1 2 1 3 3 3 3 2 3 1 2 3 2 2',
  },
  {
    name: 'url_param id [map-based djb2] 3-2-1',
    balance: 'url_param id',
    hashType: 'map-based djb2',
    servers: '3 2 1',
    inputs: QS,
    expected: '2 3 1 3 1 1 1 1 2 3 3 1 1 2 1 2 1 3 3 3 2 1 2 1 2 3 2 2',
  },
  { name: 'url_param id [consistent] 1-1-1', balance: 'url_param id', hashType: 'consistent', servers: '1 1 1', inputs: QS, expected: '3 2 3 3 1 1 1 1 1 3 3 3 3 2 1 3 1 2 1 3 1 3 1 3 1 3 2 2' },
  { name: 'url_param id [consistent] 3-2-1', balance: 'url_param id', hashType: 'consistent', servers: '3 2 1', inputs: QS, expected: '1 2 1 2 1 1 1 1 1 1 1 3 1 1 1 1 1 2 1 1 2 3 1 1 2 2 2 2' },
  {
    name: 'url_param id [consistent crc32 avalanche] 1-1-1',
    balance: 'url_param id',
    hashType: 'consistent crc32 avalanche',
    servers: '1 1 1',
    inputs: QS,
    expected: '3 2 1 2 2 1 1 1 1 3 3 3 3 2 1 3 1 3 2 2 3 1 3 1 2 1 1 1',
  },
  {
    name: 'url_param id [consistent crc32 avalanche] 3-2-1',
    balance: 'url_param id',
    hashType: 'consistent crc32 avalanche',
    servers: '3 2 1',
    inputs: QS,
    expected: '3 2 1 1 2 1 1 1 1 1 1 3 1 1 1 1 1 1 2 2 3 1 2 1 1 1 1 1',
  },
  {
    name: 'url_param id [map-based wt6 avalanche] 1-1-1',
    balance: 'url_param id',
    hashType: 'map-based wt6 avalanche',
    servers: '1 1 1',
    inputs: QS,
    expected: '3 1 2 1 1 2 2 2 1 2 2 1 2 3 1 2 3 1 1 2 2 3 2 1 3 1 3 3',
  },
  {
    name: 'url_param id [map-based wt6 avalanche] 3-2-1',
    balance: 'url_param id',
    hashType: 'map-based wt6 avalanche',
    servers: '3 2 1',
    inputs: QS,
    expected: '2 1 2 1 1 1 1 1 1 1 1 1 1 2 1 2 2 1 1 2 1 3 2 1 3 1 2 2',
  },
]

describe('url-param: identical to HAProxy 2.6', () => {
  it.each(MEASURED)('$name', (c) => {
    const { lb, be } = makeBalancer(c.balance, c.hashType, c.servers, c.allbackups)
    expect(runPicks(lb, be, c.inputs)).toBe(c.expected)
  })
})

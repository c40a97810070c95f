/**
 * `balance source` with map-based and consistent hashing (the address is not hashed, only avalanched).
 *
 * Every expectation below was measured on HAProxy 2.6.12 (Debian 2.6.12-1+deb12u4): one
 * `listen` section per case with `mode http`, `nbthread 1`, the `balance`/`hash-type` shown,
 * servers s1…sN on 127.0.0.1 answering their own name (no health checks), requests sent one at a
 * time over new connections from 127.0.0.1 unless a source address is given. Server tokens: see
 * helpers.ts (`2b` backup, `1x` disabled, `1d` dead, `1#7` id 7). Dead servers use
 * `retries 1`, `option redispatch 1`. 24 cases, 595 requests.
 */
import { describe, expect, it } from 'vitest'
import { type MeasuredCase, makeBalancer, request, requests, runPicks } from './helpers.ts'

/** Sources 127.0.0.1 … 127.0.0.16. */
const SRC16 = Array.from({ length: 16 }, (_, i) => ({ request: request({ src: `127.0.0.${i + 1}` }) }))

/** Client addresses for `balance source`. */
const SRCS = requests([
  { src: '127.0.0.1' },
  { src: '127.37.11.2' },
  { src: '127.74.22.3' },
  { src: '127.111.33.4' },
  { src: '127.148.44.5' },
  { src: '127.185.55.6' },
  { src: '127.222.66.7' },
  { src: '127.3.77.8' },
  { src: '127.40.88.9' },
  { src: '127.77.99.10' },
  { src: '127.114.110.11' },
  { src: '127.151.121.12' },
  { src: '127.188.132.13' },
  { src: '127.225.143.14' },
  { src: '127.6.154.15' },
  { src: '127.43.165.16' },
  { src: '127.80.176.17' },
  { src: '127.117.187.18' },
  { src: '127.154.198.19' },
  { src: '127.191.209.20' },
  { src: '127.228.220.21' },
  { src: '127.9.231.22' },
  { src: '127.46.242.23' },
  { src: '127.83.253.24' },
  { src: '127.120.8.25' },
  { src: '127.157.19.26' },
  { src: '127.194.30.27' },
  { src: '127.231.41.28' },
  { src: '127.12.52.29' },
  { src: '127.49.63.30' },
  { src: '127.86.74.31' },
  { src: '127.123.85.32' },
  { src: '127.160.96.33' },
  { src: '127.197.107.34' },
  { src: '127.234.118.35' },
  { src: '127.15.129.36' },
  { src: '127.52.140.37' },
  { src: '127.89.151.38' },
  { src: '127.126.162.39' },
  { src: '127.163.173.40' },
])

/** IPv6 and IPv4 loopback sources. */
const V6 = requests([{ src: '::1' }, { src: '127.0.0.1' }])

/** IPv6 loopback source. */
const V6B = requests([{ src: '::1' }])

const MEASURED: readonly MeasuredCase[] = [
  { name: 'source 1 active + 2 backups', balance: 'source', servers: '1 1b 1b', inputs: SRC16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'source 1 active + 2 backups allbackups', balance: 'source', servers: '1 1b 1b', allbackups: true, inputs: SRC16, expected: '1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
  { name: 'source active disabled, backups 1,3', balance: 'source', servers: '1x 1b 3b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'source active disabled, backups 1,3 allbackups', balance: 'source', servers: '1x 1b 3b', allbackups: true, inputs: SRC16, expected: '3 3 3 2 3 3 3 2 3 3 3 2 3 3 3 2' },
  { name: 'source active weight 0, backups 2,1', balance: 'source', servers: '0 2b 1b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'source active weight 0, backups 2,1 allbackups', balance: 'source', servers: '0 2b 1b', allbackups: true, inputs: SRC16, expected: '3 2 2 3 2 2 3 2 2 3 2 2 3 2 2 3' },
  { name: 'source active disabled, first backup disabled', balance: 'source', servers: '1x 1bx 2b 1b', inputs: SRC16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  { name: 'source active disabled, first backup disabled allbackups', balance: 'source', servers: '1x 1bx 2b 1b', allbackups: true, inputs: SRC16, expected: '4 3 3 4 3 3 4 3 3 4 3 3 4 3 3 4' },
  { name: 'source backups 2,5 quirk', balance: 'source', servers: '1x 2b 5b', inputs: SRC16, expected: '3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3' },
  { name: 'source backups 2,5 quirk allbackups', balance: 'source', servers: '1x 2b 5b', allbackups: true, inputs: SRC16, expected: '3 2 3 3 3 2 3 3 2 3 3 3 2 3 3 2' },
  { name: 'source backups 3,1,2', balance: 'source', servers: '2x 3b 1b 2b', inputs: SRC16, expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2' },
  { name: 'source backups 3,1,2 allbackups', balance: 'source', servers: '2x 3b 1b 2b', allbackups: true, inputs: SRC16, expected: '4 2 2 4 2 3 4 2 2 4 2 3 4 2 2 4' },
  { name: 'source [default] 1-1-1', balance: 'source', servers: '1 1 1', inputs: SRCS, expected: '3 1 2 3 1 2 3 3 1 2 3 1 2 3 3 1 2 3 1 2 3 3 1 2 2 3 1 2 2 3 1 2 3 1 2 2 3 1 2 3' },
  { name: 'source [default] 3-2-1', balance: 'source', servers: '3 2 1', inputs: SRCS, expected: '3 1 1 2 1 2 3 2 1 2 3 1 1 2 3 1 1 2 1 2 3 2 1 2 1 2 1 2 1 2 1 2 3 1 1 2 3 1 1 2' },
  {
    name: 'source [map-based sdbm avalanche] 1-1-1',
    balance: 'source',
    hashType: 'map-based sdbm avalanche',
    servers: '1 1 1',
    inputs: SRCS,
    expected: '2 2 1 2 1 3 3 3 1 1 2 1 3 1 2 2 2 3 3 2 3 1 3 1 2 1 3 3 2 3 2 1 2 2 2 2 3 1 3 3',
  },
  {
    name: 'source [map-based sdbm avalanche] 3-2-1',
    balance: 'source',
    hashType: 'map-based sdbm avalanche',
    servers: '3 2 1',
    inputs: SRCS,
    expected: '1 1 1 2 1 3 2 2 1 1 2 1 2 1 1 1 1 3 3 2 2 1 2 1 2 1 2 2 1 2 1 1 2 2 2 2 2 1 3 3',
  },
  {
    name: 'source [consistent] 1-1-1',
    balance: 'source',
    hashType: 'consistent',
    servers: '1 1 1',
    inputs: SRCS,
    expected: '2 2 1 3 2 3 1 3 1 1 1 1 2 1 1 2 3 3 1 2 3 3 1 2 2 1 3 2 2 3 1 2 1 1 1 2 3 1 1 3',
  },
  {
    name: 'source [consistent] 3-2-1',
    balance: 'source',
    hashType: 'consistent',
    servers: '3 2 1',
    inputs: SRCS,
    expected: '2 1 1 3 2 1 1 2 1 1 1 1 1 1 1 2 1 1 1 2 2 3 1 1 2 1 1 2 2 1 1 2 1 2 1 2 1 1 1 1',
  },
  {
    name: 'source [consistent djb2] 1-1-1',
    balance: 'source',
    hashType: 'consistent djb2',
    servers: '1 1 1',
    inputs: SRCS,
    expected: '2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2 2',
  },
  {
    name: 'source [consistent djb2] 3-2-1',
    balance: 'source',
    hashType: 'consistent djb2',
    servers: '3 2 1',
    inputs: SRCS,
    expected: '1 1 1 2 2 2 2 1 1 1 2 2 2 2 1 1 1 2 2 2 2 1 1 1 2 2 2 2 1 1 1 2 2 2 2 1 1 1 2 2',
  },
  {
    name: 'source [map-based crc32] 1-1-1',
    balance: 'source',
    hashType: 'map-based crc32',
    servers: '1 1 1',
    inputs: SRCS,
    expected: '3 1 2 3 1 2 3 3 1 2 3 1 2 3 3 1 2 3 1 2 3 3 1 2 2 3 1 2 2 3 1 2 3 1 2 2 3 1 2 3',
  },
  {
    name: 'source [map-based crc32] 3-2-1',
    balance: 'source',
    hashType: 'map-based crc32',
    servers: '3 2 1',
    inputs: SRCS,
    expected: '3 1 1 2 1 2 3 2 1 2 3 1 1 2 3 1 1 2 1 2 3 2 1 2 1 2 1 2 1 2 1 2 3 1 1 2 3 1 1 2',
  },
  { name: 'source ipv6 ::1', balance: 'source', servers: '1 1 1 1 1 1 1', inputs: V6, expected: '2 3' },
  { name: 'source consistent ipv6 ::1', balance: 'source', hashType: 'consistent', servers: '1 1 1 1 1 1 1', inputs: V6B, expected: '3' },
]

describe('source: identical to HAProxy 2.6', () => {
  it.each(MEASURED)('$name', (c) => {
    const { lb, be } = makeBalancer(c.balance, c.hashType, c.servers, c.allbackups)
    expect(runPicks(lb, be, c.inputs)).toBe(c.expected)
  })
})

/**
 * Balancers across server state changes (lb_fwrr.c, lb_fwlc.c, lb_map.c in place): a server put
 * in maintenance, drained, given a new weight or brought back, between picks. The sequence must go
 * on as HAProxy's does, not restart.
 *
 * Every expectation below was measured on HAProxy 2.6.12 (Debian 2.6.12-1+deb12u4): a backend
 * with `nbthread 1`, servers s1…sN on 127.0.0.1 answering their own name, requests sent one at a
 * time over new connections, and between them `set server be/sN state maint|drain|ready` or
 * `set server be/sN weight W` on the admin stats socket. Steps: a number is that many requests;
 * `maint:N`, `drain:N`, `ready:N` and `weight:N:W` are the commands. Expected: the servers
 * of each run of requests, runs separated by `|`, `-` for a 503. 18 cases.
 */
import { describe, expect, it } from 'vitest'
import { applyStateChanges, createBalancer } from '../../../src/balance/index.ts'
import type { LbServer } from '../../../src/balance/types.ts'
import { backend, balanceSpec, hashSpec, num } from './helpers.ts'

interface MeasuredStateCase {
  readonly name: string
  readonly balance: string
  readonly servers: string
  readonly allbackups?: boolean
  readonly steps: string
  readonly expected: string
}

const MEASURED: readonly MeasuredStateCase[] = [
  { name: 'rr 3-2-1: s1 maint, then ready', balance: 'roundrobin', servers: '3 2 1', steps: '7 maint:1 8 ready:1 12', expected: '1 2 1 3 1 2 1 | 2 2 3 2 2 3 2 2 | 3 1 2 1 2 1 3 1 2 1 2 1' },
  { name: 'rr 3-2-1: s1 maint before any request', balance: 'roundrobin', servers: '3 2 1', steps: 'maint:1 8 ready:1 12', expected: '2 2 3 2 2 3 2 2 | 3 1 2 1 2 1 3 1 2 1 2 1' },
  {
    name: 'rr 3-2-1: s2 maint, weights changed around its return',
    balance: 'roundrobin',
    servers: '3 2 1',
    steps: '4 maint:2 5 weight:3:4 6 ready:2 10 weight:1:1 8',
    expected: '1 2 1 3 | 1 1 1 1 1 | 3 1 3 1 3 3 | 1 3 1 3 2 1 3 2 3 1 | 3 1 3 2 3 3 2 3',
  },
  { name: 'rr 3-2-1: s3 drained mid-window, then ready', balance: 'roundrobin', servers: '3 2 1', steps: '5 drain:3 6 ready:3 12', expected: '1 2 1 3 1 | 2 1 2 1 2 1 | 1 2 1 2 1 3 1 2 1 2 1 3' },
  { name: 'rr 3-2-1: s1 weight 0, then 3 again', balance: 'roundrobin', servers: '3 2 1', steps: '3 weight:1:0 5 weight:1:3 12', expected: '1 2 1 | 3 2 2 3 2 | 2 1 3 1 2 1 2 1 3 1 2 1' },
  {
    name: 'rr 1-1-1-1: two down, back in the other order',
    balance: 'roundrobin',
    servers: '1 1 1 1',
    steps: '2 maint:2 3 maint:3 3 ready:2 4 ready:3 8',
    expected: '1 2 | 3 4 1 | 4 1 4 | 1 4 2 1 | 4 2 1 3 4 2 1 3',
  },
  {
    name: 'rr 5-3-2: weights raised and lowered mid-window',
    balance: 'roundrobin',
    servers: '5 3 2',
    steps: '4 weight:2:8 9 weight:1:1 10 weight:3:2 10',
    expected: '1 2 1 3 | 1 2 2 1 3 2 1 2 2 | 2 2 3 2 2 2 2 3 2 2 | 1 2 2 3 2 2 2 2 3 2',
  },
  { name: 'rr 3-0-1: a weight-0 server given weight 2', balance: 'roundrobin', servers: '3 0 1', steps: '3 weight:2:2 10 weight:2:0 4', expected: '1 1 1 | 3 1 2 1 1 2 3 1 2 1 | 1 1 3 1' },
  { name: 'rr 256-1-1: the heavy server leaves and returns', balance: 'roundrobin', servers: '256 1 1', steps: '5 maint:1 4 ready:1 10', expected: '1 1 1 1 1 | 2 3 2 3 | 2 1 3 1 1 1 1 1 1 1' },
  {
    name: 'rr 2-1 + backups 1,2 allbackups: failover to the backup group and back',
    balance: 'roundrobin',
    servers: '2 1 1b 2b',
    allbackups: true,
    steps: '3 maint:1 2 maint:2 6 maint:3 3 ready:3 4 ready:2 5 ready:1 6',
    expected: '1 1 2 | 2 2 | 4 4 3 4 4 3 | 4 4 4 | 4 4 3 4 | 2 2 2 2 2 | 2 1 1 2 1 1',
  },
  {
    name: 'rr 2-1 + backups 1,2: the first usable backup takes over',
    balance: 'roundrobin',
    servers: '2 1 1b 2b',
    steps: '3 maint:1 2 maint:2 6 maint:3 3 ready:3 4 ready:2 5 ready:1 6',
    expected: '1 1 2 | 2 2 | 3 3 3 3 3 3 | 4 4 4 | 3 3 3 3 | 2 2 2 2 2 | 2 1 1 2 1 1',
  },
  {
    name: 'rr 1 + backups 1,2: fbck moves to the next backup and back',
    balance: 'roundrobin',
    servers: '1 1b 1b 2b',
    steps: '2 maint:1 3 maint:2 3 ready:2 3 ready:1 4',
    expected: '1 1 | 2 2 2 | 3 3 3 | 2 2 2 | 1 1 1 1',
  },
  {
    name: 'rr 2-2: every server down (503), then back one at a time',
    balance: 'roundrobin',
    servers: '2 2',
    steps: '3 maint:1 1 maint:2 2 ready:2 4 ready:1 6',
    expected: '1 2 1 | 2 | - - | 2 2 2 2 | 2 1 2 1 2 1',
  },
  { name: 'leastconn 1-1-1: s2 maint, then ready', balance: 'leastconn', servers: '1 1 1', steps: '4 maint:2 4 ready:2 6', expected: '1 2 3 1 | 3 1 3 1 | 3 1 2 3 1 2' },
  { name: 'leastconn 3-2-1: weight change, maint, ready', balance: 'leastconn', servers: '3 2 1', steps: '5 weight:1:1 4 maint:3 3 ready:3 6', expected: '1 2 3 1 2 | 3 2 1 3 | 2 1 2 | 1 2 3 1 2 3' },
  { name: 'leastconn 1 + backups allbackups: failover and back', balance: 'leastconn', servers: '1 1b 1b', allbackups: true, steps: '2 maint:1 5 ready:1 4', expected: '1 1 | 2 3 2 3 2 | 1 1 1 1' },
  {
    name: 'static-rr 3-2-1: s1 maint, then ready (rr_idx kept)',
    balance: 'static-rr',
    servers: '3 2 1',
    steps: '5 maint:1 6 ready:1 12',
    expected: '1 1 2 1 2 | 2 2 3 2 2 3 | 1 2 3 1 1 2 1 2 3 1 1 2',
  },
  { name: 'static-rr 3-2-1: s2 weight 0%, then 100%', balance: 'static-rr', servers: '3 2 1', steps: '4 weight:2:0 5 weight:2:2 9', expected: '1 1 2 1 | 1 1 1 3 1 | 1 2 1 2 3 1 1 2 1' },
]

/** Runs the steps against createBalancer + applyStateChanges, as the engine does. */
function run(c: MeasuredStateCase): string {
  const be = backend(c.servers)
  const configured = be.usable
  const weights = configured.map((s) => s.weight)
  const admin = configured.map(() => 'ready')
  const view = (): (LbServer | undefined)[] => configured.map((s, i) => (admin[i] === 'ready' && (weights[i] as number) > 0 ? { ...s, weight: weights[i] as number } : undefined))
  let prev = view()
  const lb = createBalancer(
    balanceSpec(c.balance),
    hashSpec(undefined),
    prev.filter((s) => s !== undefined),
    { allbackups: c.allbackups ?? false, configuredWeights: be.weights },
  )
  const runs: string[] = []
  for (const step of c.steps.split(' ')) {
    if (/^\d+$/.test(step)) {
      runs.push(Array.from({ length: Number(step) }, () => num(lb.pick({}))).join(' '))
      continue
    }
    const [cmd, n, w] = step.split(':')
    const i = Number(n) - 1
    if (cmd === 'weight') {
      // Static algorithms refuse anything but 0% and 100% (server_parse_weight_change_request).
      const weight = Number(w)
      if (c.balance !== 'static-rr' || weight === 0 || weight === configured[i]?.weight) weights[i] = weight
    } else admin[i] = cmd as string
    const next = view()
    applyStateChanges(lb, prev, next)
    prev = next
  }
  return runs.join(' | ')
}

describe('state changes: identical to HAProxy 2.6', () => {
  it.each(MEASURED)('$name', (c) => {
    expect(run(c)).toBe(c.expected)
  })
})

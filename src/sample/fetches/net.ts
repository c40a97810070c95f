/**
 * @module
 * Connection-level fetches (tcp_sample.c) that the edge can answer: client and destination
 * addresses and ports, and fc_rtt from `request.cf.clientTcpRtt`.
 */
import type { FetchDef } from '../types.ts'
import { canonicalIp } from './ip-text.ts'
import { argStr, BOTH, int, ip } from './util.ts'

function addrFetches(prefix: string): FetchDef[] {
  return [
    { name: `${prefix}src`, args: [], output: 'ip', phases: BOTH, doc: 'client IP address', build: () => (ctx) => (ctx.src ? ip(ctx.src) : undefined) },
    { name: `${prefix}src_port`, args: [], output: 'int', phases: BOTH, doc: 'client TCP port (0 when the edge does not know it)', build: () => (ctx) => int(ctx.srcPort) },
    {
      name: `${prefix}dst`,
      args: [],
      output: 'ip',
      phases: BOTH,
      doc: 'address the client connected to, when the request URL names an IP address (Cloudflare does not expose its own address)',
      build: () => (ctx) => {
        const a = canonicalIp(ctx.dst)
        return a === undefined ? undefined : ip(a)
      },
    },
    { name: `${prefix}dst_port`, args: [], output: 'int', phases: BOTH, doc: 'port the client connected to', build: () => (ctx) => int(ctx.dstPort) },
  ]
}

export const NET_FETCHES: readonly FetchDef[] = [
  ...addrFetches(''),
  ...addrFetches('fc_'),
  {
    name: 'fc_rtt',
    args: [{ kind: 'str', optional: true }],
    output: 'int',
    phases: BOTH,
    doc: 'client round-trip time measured by Cloudflare (request.cf.clientTcpRtt), in "ms" (default) or "us"',
    build: (args) => {
      const us = argStr(args, 0) === 'us'
      return (ctx) => {
        const rtt = ctx.cf?.clientTcpRtt
        return typeof rtt === 'number' ? int(us ? rtt * 1000 : rtt) : undefined
      }
    },
  },
]

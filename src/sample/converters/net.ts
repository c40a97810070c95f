/**
 * @module
 * Address converters (sample.c): ipmask(<mask4>[,<mask6>]). An IPv4-mapped IPv6 address is
 * masked as IPv4; other IPv6 addresses need <mask6>.
 */
import { inetPton4, inetPton6, v4Text, v6Text } from '../fetches/ip-text.ts'
import { argStr, ip } from '../fetches/util.ts'
import type { ConverterDef } from '../types.ts'

/** tools.c str2mask: dotted quad or a bit count 0..32. */
export function mask4(s: string | undefined): number | undefined {
  if (s === undefined) return undefined
  if (s.includes('.')) {
    const m = inetPton4(s)
    return m < 0 ? undefined : m
  }
  if (!/^\d+$/.test(s)) return undefined
  const n = Number(s)
  if (n > 32) return undefined
  return n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0
}

/** tools.c str2mask6: IPv6 notation or a bit count 0..128, as four words. */
export function mask6(s: string | undefined): number[] | undefined {
  if (s === undefined) return undefined
  if (s.includes(':')) {
    const w = [0, 0, 0, 0]
    return inetPton6(s, w) ? w : undefined
  }
  if (!/^\d+$/.test(s)) return undefined
  let n = Number(s)
  if (n > 128) return undefined
  const w: number[] = []
  for (let i = 0; i < 4; i++) {
    const b = Math.max(0, Math.min(32, n))
    w.push(b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0)
    n -= 32
  }
  return w
}

export const NET_CONVERTERS: readonly ConverterDef[] = [
  {
    name: 'ipmask',
    args: [{ kind: 'str' }, { kind: 'str', optional: true }],
    input: ['ip'],
    output: 'ip',
    doc: 'applies a network mask (CIDR length or dotted) to an IPv4 address, <mask6> to an IPv6 one',
    build: (args) => {
      const m4 = mask4(argStr(args, 0))
      const m6 = mask6(argStr(args, 1))
      if (m4 === undefined) return () => undefined
      return (input) => {
        if (input.type !== 'ip') return undefined
        const a = inetPton4(input.value)
        if (a >= 0) return ip(v4Text((a & m4) >>> 0))
        const w = [0, 0, 0, 0]
        if (!inetPton6(input.value, w)) return undefined
        if (w[0] === 0 && w[1] === 0 && w[2] === 0xffff) return ip(v4Text(((w[3] as number) & m4) >>> 0))
        if (!m6) return undefined
        return ip(v6Text(w.map((x, i) => (x & (m6[i] as number)) >>> 0)))
      }
    },
  },
]

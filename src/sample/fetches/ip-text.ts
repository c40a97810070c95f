/**
 * @module
 * IP address text for `ip` samples: parsing into numbers/words and the canonical text form
 * (dotted quad, RFC 5952 IPv6 as inet_ntop prints it), plus tools.c url2ipv4 used by hdr_ip.
 */
import { inetPton4, inetPton6 } from '../match/ip-parse.ts'

export { inetPton4, inetPton6 }

export function v4Text(n: number): string {
  const u = n >>> 0
  return `${u >>> 24}.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}`
}

/** inet_ntop(AF_INET6) of four 32-bit words: longest run of 2+ zero groups as '::', IPv4 tail for ::ffff:a.b.c.d. */
export function v6Text(w: ArrayLike<number>): string {
  const g: number[] = []
  for (let i = 0; i < 4; i++) {
    const x = (w[i] as number) >>> 0
    g.push(x >>> 16, x & 0xffff)
  }
  let best = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++
      continue
    }
    let j = i
    while (j < 8 && g[j] === 0) j++
    if (j - i > bestLen) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  if (bestLen < 2) best = -1
  // IPv4-mapped and IPv4-compatible forms print the last 32 bits as a dotted quad
  const tail4 = best === 0 && (bestLen === 6 || (bestLen === 5 && g[5] === 0xffff))
  let out = ''
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      out += i === 0 ? '::' : ':'
      i += bestLen - 1
      continue
    }
    if (tail4 && i === 6) {
      out += v4Text((w[3] as number) >>> 0)
      break
    }
    out += (g[i] as number).toString(16)
    if (i < 7) out += ':'
  }
  return out
}

/** Canonical text of an IPv4 or IPv6 address text, or undefined when it is neither. */
export function canonicalIp(s: string): string | undefined {
  const a = inetPton4(s)
  if (a >= 0) return v4Text(a)
  const w = [0, 0, 0, 0]
  return inetPton6(s, w) ? v6Text(w) : undefined
}

/**
 * tools.c url2ipv4: reads a dotted quad at the start of `s` (leading zeros allowed, stops at the
 * first character that is neither a digit nor a dot). Returns [address, length] or undefined.
 */
export function url2ipv4(s: string): [number, number] | undefined {
  let octets = 0
  let sawDigit = false
  let part = 0
  let value = 0
  let i = 0
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i)
    const d = c - 48
    if ((d < 0 || d > 9) && c !== 46) break
    if (d >= 0 && d <= 9) {
      part = part * 10 + d
      if (part > 255) return undefined
      if (!sawDigit) {
        if (++octets > 4) return undefined
        sawDigit = true
      }
    } else if (sawDigit) {
      if (octets === 4) return undefined
      value = value * 256 + part
      part = 0
      sawDigit = false
    } else return undefined
  }
  if (octets < 4) return undefined
  return [value * 256 + part, i]
}

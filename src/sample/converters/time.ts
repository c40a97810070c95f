/**
 * @module
 * Date converters: http_date (http_conv.c), ltime and utime (sample.c) with a C-locale
 * strftime. A Worker runs in UTC, so ltime formats UTC time like utime.
 */
import { timeUnit } from '../fetches/misc.ts'
import { argInt, argRaw, argStr, sampleInt, str } from '../fetches/util.ts'
import type { ConverterDef } from '../types.ts'

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday']
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December']

const p2 = (n: number): string => String(n).padStart(2, '0')

/** Day of the year, 0-based. */
function yday(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86400000)
}

/** ISO 8601 week number and week-based year. */
function isoWeek(d: Date): [number, number] {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()))
  const day = t.getUTCDay() || 7
  t.setUTCDate(t.getUTCDate() + 4 - day)
  const y = t.getUTCFullYear()
  return [Math.ceil(((t.getTime() - Date.UTC(y, 0, 1)) / 86400000 + 1) / 7), y]
}

/** strftime(3) in the C locale, for a UTC date. */
export function strftime(fmt: string, d: Date): string {
  let out = ''
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i] as string
    if (c !== '%' || i + 1 >= fmt.length) {
      out += c
      continue
    }
    let f = fmt[++i] as string
    if ((f === 'E' || f === 'O') && i + 1 < fmt.length) f = fmt[++i] as string
    const Y = d.getUTCFullYear()
    const H = d.getUTCHours()
    const wd = d.getUTCDay()
    switch (f) {
      case 'a':
        out += DAYS[wd]?.slice(0, 3)
        break
      case 'A':
        out += DAYS[wd]
        break
      case 'b':
      case 'h':
        out += MONTHS[d.getUTCMonth()]?.slice(0, 3)
        break
      case 'B':
        out += MONTHS[d.getUTCMonth()]
        break
      case 'c':
        out += strftime('%a %b %e %H:%M:%S %Y', d)
        break
      case 'C':
        out += p2(Math.floor(Y / 100))
        break
      case 'd':
        out += p2(d.getUTCDate())
        break
      case 'D':
        out += strftime('%m/%d/%y', d)
        break
      case 'e':
        out += String(d.getUTCDate()).padStart(2, ' ')
        break
      case 'F':
        out += strftime('%Y-%m-%d', d)
        break
      case 'g':
        out += p2(isoWeek(d)[1] % 100)
        break
      case 'G':
        out += String(isoWeek(d)[1])
        break
      case 'H':
        out += p2(H)
        break
      case 'I':
        out += p2(H % 12 || 12)
        break
      case 'j':
        out += String(yday(d) + 1).padStart(3, '0')
        break
      case 'k':
        out += String(H).padStart(2, ' ')
        break
      case 'l':
        out += String(H % 12 || 12).padStart(2, ' ')
        break
      case 'm':
        out += p2(d.getUTCMonth() + 1)
        break
      case 'M':
        out += p2(d.getUTCMinutes())
        break
      case 'n':
        out += '\n'
        break
      case 'p':
        out += H < 12 ? 'AM' : 'PM'
        break
      case 'P':
        out += H < 12 ? 'am' : 'pm'
        break
      case 'r':
        out += strftime('%I:%M:%S %p', d)
        break
      case 'R':
        out += strftime('%H:%M', d)
        break
      case 's':
        out += String(Math.floor(d.getTime() / 1000))
        break
      case 'S':
        out += p2(d.getUTCSeconds())
        break
      case 't':
        out += '\t'
        break
      case 'T':
        out += strftime('%H:%M:%S', d)
        break
      case 'u':
        out += String(wd || 7)
        break
      case 'U':
        out += p2(Math.floor((yday(d) + 7 - wd) / 7))
        break
      case 'V':
        out += p2(isoWeek(d)[0])
        break
      case 'w':
        out += String(wd)
        break
      case 'W':
        out += p2(Math.floor((yday(d) + 7 - ((wd + 6) % 7)) / 7))
        break
      case 'x':
        out += strftime('%m/%d/%y', d)
        break
      case 'X':
        out += strftime('%H:%M:%S', d)
        break
      case 'y':
        out += p2(Y % 100)
        break
      case 'Y':
        out += String(Y)
        break
      case 'z':
        out += '+0000'
        break
      case 'Z':
        out += 'GMT'
        break
      case '%':
        out += '%'
        break
      default:
        out += `%${f}`
    }
  }
  return out
}

/** Seconds since the epoch to a Date, with HAProxy's 55-bit mask; undefined out of range. */
function dateOf(seconds: number): Date | undefined {
  const masked = Number(BigInt.asIntN(64, BigInt(Math.trunc(seconds))) & 0x007fffffffffffffn)
  const d = new Date(masked * 1000)
  return Number.isNaN(d.getTime()) ? undefined : d
}

function strftimeConv(name: string, doc: string): ConverterDef {
  return {
    name,
    args: [{ kind: 'str' }, { kind: 'int', optional: true }],
    input: ['int'],
    output: 'str',
    doc,
    build: (args) => {
      const fmt = argRaw(args, 0) ?? ''
      const offset = argInt(args, 1) ?? 0
      return (input) => {
        const n = sampleInt(input)
        if (n === undefined) return undefined
        const d = dateOf(n + offset)
        return d ? str(strftime(fmt, d)) : undefined
      }
    },
  }
}

const DAY3 = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MON3 = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** sample_conv_http_date: "Tue, 15 Nov 1994 08:12:31 GMT" (with ".<fraction>" for ms/us units). */
export function httpDate(value: number, unit: 's' | 'ms' | 'us'): string | undefined {
  let v = Math.trunc(value)
  let frac: number | undefined
  if (unit === 'ms') {
    frac = v % 1000
    v = Math.trunc(v / 1000)
  } else if (unit === 'us') {
    frac = v % 1000000
    v = Math.trunc(v / 1000000)
  }
  const d = dateOf(v)
  if (!d) return undefined
  const base = `${DAY3[d.getUTCDay()]}, ${p2(d.getUTCDate())} ${MON3[d.getUTCMonth()]} ${String(d.getUTCFullYear()).padStart(4, '0')} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`
  return frac === undefined ? `${base} GMT` : `${base}.${frac} GMT`
}

export const TIME_CONVERTERS: readonly ConverterDef[] = [
  {
    name: 'http_date',
    args: [
      { kind: 'int', optional: true },
      { kind: 'str', optional: true },
    ],
    input: ['int'],
    output: 'str',
    doc: 'formats a date since the epoch (plus <offset>; <unit> s, ms or us) for HTTP headers',
    build: (args) => {
      const offset = argInt(args, 0) ?? 0
      const unit = timeUnit(argStr(args, 1))
      if (!unit) return () => undefined
      return (input) => {
        const n = sampleInt(input)
        const s = n === undefined ? undefined : httpDate(n + offset, unit)
        return s === undefined ? undefined : str(s)
      }
    },
  },
  strftimeConv('ltime', 'formats a date since the epoch with strftime(<format>) in local time (UTC in a Worker)'),
  strftimeConv('utime', 'formats a date since the epoch with strftime(<format>) in UTC'),
]

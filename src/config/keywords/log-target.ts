/**
 * @module
 * The arguments of a `log <target> [len <n>] [format <f>] [sample <ranges>:<size>] <facility>
 * [<level> [<minlevel>]]` line, checked as HAProxy 2.6 checks them (log.c parse_logsrv): the
 * facility, levels, format and length must be names HAProxy knows. The edge does not contact syslog
 * targets (logs go to Workers Logs), but a line HAProxy refuses is refused here too, with its words.
 */
import { atol } from '../../util/c-number.ts'
import type { Word } from '../lexer.ts'

const FACILITIES = new Set([
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'auth2',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'cron2',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
])
const LEVELS = new Set(['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'])
const FORMATS = new Set(['local', 'rfc3164', 'rfc5424', 'priority', 'short', 'timed', 'iso', 'raw'])
/** Words of the log line itself: as a target they mean the address was left out. */
const LOG_WORDS = new Set([...FACILITIES, ...LEVELS, ...FORMATS, 'len', 'format', 'sample', 'global', 'if', 'unless'])

export interface LogProblem {
  readonly word: Word | undefined
  /** HAProxy's message, after its "log : " prefix. */
  readonly message: string
}

/** A target HAProxy could parse without a DNS lookup, or a name with a dot (resolved by HAProxy). */
function plausibleTarget(text: string): boolean {
  if (text === 'stdout' || text === 'stderr' || text.startsWith('ring@') || text.startsWith('/')) return true
  if (/^(fd|udp|udp4|udp6|tcp|tcp4|tcp6|unix|ipv4|ipv6|abns|stream|dgram)@/.test(text)) return true
  const host = text.replace(/:\d*$/, '')
  if (LOG_WORDS.has(host)) return false
  // An IPv6 address, or a name HAProxy would hand to the resolver.
  return /^\[?[0-9A-Fa-f:.]+\]?$/.test(host) || /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(host)
}

/** The first problem of a `log` line's arguments (after `log`), or undefined. */
export function checkLogArgs(args: readonly Word[], inGlobal: boolean): LogProblem | undefined {
  const a = (i: number): string => args[i]?.text ?? ''
  if (a(0) === 'global' && args.length === 1) return inGlobal ? { word: args[0], message: "'global' is not supported for a global syslog server" } : undefined
  if (a(0) === '' || a(1) === '') return { word: args[0], message: `expects <address> and <facility> ${inGlobal ? '' : 'or global'} as arguments` }
  let i = 1
  if (a(i) === 'len') {
    const len = atol(a(i + 1))
    if (len < 80 || len > 65535) return { word: args[i + 1] ?? args[i], message: `invalid log length '${a(i + 1)}', must be between 80 and 65535` }
    i += 2
  }
  if (a(i) === 'format') {
    if (!FORMATS.has(a(i + 1))) return { word: args[i + 1] ?? args[i], message: `unknown log format '${a(i + 1)}'` }
    i += 2
  }
  if (a(i) === 'sample') {
    const spec = a(i + 1)
    const colon = spec.indexOf(':')
    if (colon < 0) return { word: args[i + 1] ?? args[i], message: 'Missing sample size' }
    const size = spec.slice(colon + 1)
    if (!/^\d+$/.test(size) || Number(size) === 0) return { word: args[i + 1], message: `wrong sample size '${size}' for sample range '${spec.slice(0, colon)}'` }
    i += 2
  }
  if (!FACILITIES.has(a(i))) return { word: args[i], message: `unknown log facility '${a(i)}'` }
  i++
  if (a(i) !== '') {
    if (!LEVELS.has(a(i))) return { word: args[i], message: `unknown optional log level '${a(i)}'` }
    i++
  }
  if (a(i) !== '') {
    if (!LEVELS.has(a(i))) return { word: args[i], message: `unknown optional minimum log level '${a(i)}'` }
    i++
  }
  if (a(i) !== '') return { word: args[i], message: `cannot handle unexpected argument '${a(i)}'` }
  if (!plausibleTarget(a(0))) return { word: args[0], message: `invalid address: '${a(0)}' in '${a(0)}'` }
  return undefined
}

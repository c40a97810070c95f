/**
 * @module
 * Proxy keywords in a proxy without the capability they need (cfgparse.c warnifnotcap,
 * proxy.c proxy_parse_timeout): `timeout server` in a frontend, `balance` or `option checkcache`
 * in a frontend, `option httplog` or `default_backend` in a backend. HAProxy 2.6 warns and ignores
 * most of them; the few it refuses are listed here. Only frontend and backend sections are
 * concerned: `defaults` refuses what it does not allow, `listen` has both capabilities.
 */
import type { SectionKind } from '../ast.ts'

/** Keywords HAProxy 2.6 refuses (ALERT) in a proxy without the capability. */
const REFUSED = new Set(['server', 'default-server', 'server-template', 'retry-on', 'use-server', 'tcp-response', 'option external-check', 'option forwarded', 'hash-preserve-affinity'])

/** `backend 'x' : 'option httplog' directive is ignored in backends.` (log formats of frontends). */
const LOG_FORMATS = new Set(['option httplog', 'option httpslog', 'option tcplog', 'log-format', 'error-log-format'])

/** Keywords whose warning has its own wording (no quotes, full keyword). */
const UNQUOTED = new Set(['rate-limit', 'max-keep-alive-queue'])

const HINTS: Readonly<Record<string, string>> = {
  maxconn: " Maybe you want 'fullconn' instead ?",
  fullconn: " Maybe you want 'maxconn' instead ?",
}

export interface Misplaced {
  readonly message: string
  readonly help: string
}

/**
 * The warning for keyword `name` (valid in `sections`) used in `section` of proxy `proxy`, or
 * undefined when HAProxy refuses it there (the caller reports the error).
 */
export function misplacedWarning(name: string, sections: readonly SectionKind[], section: SectionKind, proxy: string | undefined, words: readonly string[]): Misplaced | undefined {
  if ((section !== 'frontend' && section !== 'backend') || !sections.includes('listen') || REFUSED.has(name)) return undefined
  const missing = section === 'frontend' ? 'backend' : 'frontend'
  const where = `${section} '${proxy ?? ''}'`
  const help = `HAProxy ignores it here: move it to a ${missing} or 'listen' section`
  if (section === 'backend' && LOG_FORMATS.has(name)) return { message: `${where} : '${name}' directive is ignored in backends.`, help }
  if (name.startsWith('timeout ')) return { message: `'${name}' will be ignored because ${where} has no ${missing} capability`, help }
  const first = words[0] ?? name
  if (UNQUOTED.has(first)) return { message: `${words.slice(0, first === 'rate-limit' ? 2 : 1).join(' ')} will be ignored because ${where} has no ${missing} capability`, help }
  // Options are named without 'option'; families ('stick on', 'http-check send') by their first word.
  const shown = name.startsWith('option ') ? name.slice(7) : first
  return { message: `'${shown}' ignored because ${where} has no ${missing} capability.${HINTS[shown] ?? ''}`, help }
}

/**
 * @module
 * The action table, assembled once. Lookup is by the action word up to its first '('.
 */
import { ADDR_ACTIONS } from './addr.ts'
import { CAPTURE_ACTIONS } from './capture.ts'
import { CACHE_ACTIONS } from './cache.ts'
import { HEADER_ACTIONS } from './headers.ts'
import { MISC_ACTIONS } from './misc.ts'
import { NORMALIZE_URI_ACTIONS } from './normalize-uri.ts'
import { PAYLOAD_ACTIONS } from './payload.ts'
import { REDIRECT_ACTIONS } from './redirect.ts'
import { TRACK_ACTIONS } from './track.ts'
import type { ActionDef } from './types.ts'
import { TIMEOUT_ACTIONS } from './timeout.ts'
import { URI_ACTIONS } from './uri.ts'
import { VAR_ACTIONS } from './vars.ts'

export const ACTIONS: readonly ActionDef[] = [
  ...ADDR_ACTIONS,
  ...CAPTURE_ACTIONS,
  ...HEADER_ACTIONS,
  ...MISC_ACTIONS,
  ...PAYLOAD_ACTIONS,
  ...REDIRECT_ACTIONS,
  ...TRACK_ACTIONS,
  ...TIMEOUT_ACTIONS,
  ...URI_ACTIONS,
  ...VAR_ACTIONS,
  ...CACHE_ACTIONS,
  ...NORMALIZE_URI_ACTIONS,
]

const BY_NAME = new Map<string, ActionDef>()
for (const a of ACTIONS) {
  if (BY_NAME.has(a.name)) throw new Error(`duplicate action '${a.name}'`)
  BY_NAME.set(a.name, a)
}

/** The action for a rule word (`set-var(txn.x)` → set-var, `lua.foo` → lua). */
export function findAction(word: string): ActionDef | undefined {
  const base = word.replace(/\(.*$/, '')
  return BY_NAME.get(base) ?? (base.startsWith('lua.') ? BY_NAME.get('lua') : undefined)
}

export function actionNames(): string[] {
  return [...BY_NAME.keys()]
}

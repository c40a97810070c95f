/**
 * @module
 * The runtime action table; every action the compiler accepts has an entry here (a unit test
 * enforces it).
 */
import { ADDR_RUNTIME } from './addr.ts'
import { CAPTURE_RUNTIME } from './capture.ts'
import { CACHE_RUNTIME } from './cache.ts'
import { HEADER_RUNTIME } from './headers.ts'
import { MISC_RUNTIME } from './misc.ts'
import { NORMALIZE_URI_RUNTIME } from './normalize-uri.ts'
import { PAYLOAD_RUNTIME } from './payload.ts'
import { REDIRECT_RUNTIME } from './redirect.ts'
import { REJECT_RUNTIME } from './reject.ts'
import { TRACK_RUNTIME } from './track.ts'
import type { RuntimeActionDef } from './types.ts'
import { TIMEOUT_RUNTIME } from './timeout.ts'
import { URI_RUNTIME } from './uri.ts'
import { VAR_RUNTIME } from './vars.ts'

const ALL: readonly RuntimeActionDef[] = [
  ...ADDR_RUNTIME,
  ...CAPTURE_RUNTIME,
  ...HEADER_RUNTIME,
  ...MISC_RUNTIME,
  ...PAYLOAD_RUNTIME,
  ...REDIRECT_RUNTIME,
  ...TRACK_RUNTIME,
  ...TIMEOUT_RUNTIME,
  ...URI_RUNTIME,
  ...VAR_RUNTIME,
  ...REJECT_RUNTIME,
  ...CACHE_RUNTIME,
  ...NORMALIZE_URI_RUNTIME,
]

export const RUNTIME_ACTIONS: ReadonlyMap<string, RuntimeActionDef> = new Map(ALL.map((a) => [a.name, a]))

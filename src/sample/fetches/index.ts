/**
 * @module
 * Every sample fetch keyword edgeproxy knows (HAProxy 2.6 names and semantics, plus the edge-only
 * `cf.*` fetches), including the ones it lists as not supported.
 */
import type { FetchDef } from '../types.ts'
import { CAPTURE_FETCHES } from './capture.ts'
import { CACHE_FETCHES } from './cache.ts'
import { AUTH_FETCHES } from './auth.ts'
import { CF_FETCHES } from './cf.ts'
import { HEADER_FETCHES } from './headers.ts'
import { HTTP_FETCHES } from './http.ts'
import { MISC_FETCHES } from './misc.ts'
import { NET_FETCHES } from './net.ts'
import { PROXY_STATE_FETCHES } from './proxy-state.ts'
import { SSL_FETCHES } from './ssl.ts'
import { STICK_FETCHES } from './stick.ts'
import { STREAM_FETCHES } from './stream.ts'
import { UNSUPPORTED_FETCHES } from './unsupported.ts'

export const FETCHES: readonly FetchDef[] = [
  ...HTTP_FETCHES,
  ...HEADER_FETCHES,
  ...NET_FETCHES,
  ...SSL_FETCHES,
  ...MISC_FETCHES,
  ...STICK_FETCHES,
  ...STREAM_FETCHES,
  ...PROXY_STATE_FETCHES,
  ...CF_FETCHES,
  ...CAPTURE_FETCHES,
  ...AUTH_FETCHES,
  ...UNSUPPORTED_FETCHES,
  ...CACHE_FETCHES,
]

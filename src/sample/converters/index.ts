/**
 * @module
 * Every converter keyword edgeproxy knows (HAProxy 2.6 sample.c, http_conv.c, map.c,
 * stick_table.c, vars.c, ssl_sample.c), including the ones it lists as not supported.
 */
import type { ConverterDef } from '../types.ts'
import { ARITH_CONVERTERS } from './arith.ts'
import { CAPTURE_CONVERTERS } from './capture.ts'
import { ENCODING_CONVERTERS } from './encoding.ts'
import { HASH_CONVERTERS } from './hash.ts'
import { JSON_CONVERTERS } from './json.ts'
import { MAP_CONVERTERS } from './map.ts'
import { NET_CONVERTERS } from './net.ts'
import { PROXY_STATE_CONVERTERS } from './proxy-state.ts'
import { STRING_CONVERTERS } from './string.ts'
import { TABLE_CONVERTERS } from './table.ts'
import { TIME_CONVERTERS } from './time.ts'
import { UNSUPPORTED_CONVERTERS } from './unsupported.ts'
import { VAR_CONVERTERS } from './vars.ts'

export const CONVERTERS: readonly ConverterDef[] = [
  ...STRING_CONVERTERS,
  ...ENCODING_CONVERTERS,
  ...ARITH_CONVERTERS,
  ...HASH_CONVERTERS,
  ...TIME_CONVERTERS,
  ...NET_CONVERTERS,
  ...JSON_CONVERTERS,
  ...VAR_CONVERTERS,
  ...MAP_CONVERTERS,
  ...TABLE_CONVERTERS,
  ...CAPTURE_CONVERTERS,
  ...PROXY_STATE_CONVERTERS,
  ...UNSUPPORTED_CONVERTERS,
]

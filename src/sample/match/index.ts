/**
 * @module
 * The `-m` match methods of HAProxy 2.6 (pattern.c pat_match_names, plus `meth` from
 * http_acl.c for the `method` keyword), one module per family.
 */
import type { MatchDef } from '../types.ts'
import { bin } from './bin.ts'
import { bool } from './bool.ts'
import { found } from './found.ts'
import { int, len } from './int.ts'
import { ip } from './ip.ts'
import { meth } from './meth.ts'
import { reg } from './reg.ts'
import { beg, end, str, sub } from './string.ts'
import { dir, dom } from './word.ts'

export const MATCHES: readonly MatchDef[] = [found, bool, int, ip, bin, len, str, beg, sub, dir, dom, end, reg, meth]

export { buildIpSet, compileIpSet, type IpSet, type IpSetData, prepareIpSet } from './ip-set.ts'

/**
 * @module
 * `stick-table` declarations and `stick on|match|store-request|store-response` rules (reference
 * §7.1, §7.4), plus edgeproxy's `consistency fast|exact` (fast by default) and `on-error open|local` table options (docs/stick-tables.md).
 */
import type { StickTableSpec } from '../../routemap/schema.ts'
import { parseSampleExpr } from '../../sample/expr.ts'
import { reportExprErrors } from '../acl.ts'
import { parseCondition } from '../condition.ts'
import type { Word } from '../lexer.ts'
import { parseTime } from '../../util/time.ts'
import { parseSize } from '../values.ts'
import { condStart, timeWarning } from './args.ts'
import { BE_ONLY, FE_BE, type KeywordContext, type KeywordDef, type Statement } from './types.ts'

/** Data types a table can store; rates take a period. (stick_table.c stktable_data_types) */
export const STICK_DATA_TYPES: Readonly<Record<string, 'counter' | 'rate' | 'array' | 'array-rate'>> = {
  server_id: 'counter',
  server_key: 'counter',
  gpt0: 'counter',
  gpc0: 'counter',
  gpc1: 'counter',
  gpc0_rate: 'rate',
  gpc1_rate: 'rate',
  conn_cnt: 'counter',
  conn_rate: 'rate',
  conn_cur: 'counter',
  sess_cnt: 'counter',
  sess_rate: 'rate',
  http_req_cnt: 'counter',
  http_req_rate: 'rate',
  http_err_cnt: 'counter',
  http_err_rate: 'rate',
  http_fail_cnt: 'counter',
  http_fail_rate: 'rate',
  bytes_in_cnt: 'counter',
  bytes_in_rate: 'rate',
  bytes_out_cnt: 'counter',
  bytes_out_rate: 'rate',
  glitch_cnt: 'counter',
  glitch_rate: 'rate',
  gpt: 'array',
  gpc: 'array',
  gpc_rate: 'array-rate',
}

/**
 * Data types the edge keeps up to date (src/engine/stick.ts counts requests into them; the
 * response and end-of-request types through Engine.responded). The others would be stored but
 * never counted, so a rule reading them would silently see 0: rejected.
 */
const COUNTED = new Set([
  'server_id',
  'gpt0',
  'gpc0',
  'gpc1',
  'gpc0_rate',
  'gpc1_rate',
  'conn_cnt',
  'conn_rate',
  'conn_cur',
  'sess_cnt',
  'sess_rate',
  'http_req_cnt',
  'http_req_rate',
  'http_err_cnt',
  'http_err_rate',
  'http_fail_cnt',
  'http_fail_rate',
  'bytes_in_cnt',
  'bytes_in_rate',
  'bytes_out_cnt',
  'bytes_out_rate',
])

const KEY_TYPES = new Set(['ip', 'ipv4', 'ipv6', 'integer', 'string', 'binary'])

/** `store a,b(10s),gpc_rate(2,10s)`: splits on the commas outside parentheses. */
function storeItems(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let cur = ''
  for (const c of text) {
    if (c === '(') depth++
    else if (c === ')') depth--
    if (c === ',' && depth === 0) {
      out.push(cur)
      cur = ''
    } else cur += c
  }
  out.push(cur)
  return out
}

function parseStickTable(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const spec = parseTableSpec(st, st.args, p.name, 'stick-table', cx)
  if (spec) p.stickTable = spec
}

/**
 * The arguments of a table declaration (`stick-table` in a proxy, `table <name>` in a peers
 * section): type, size, expire, store... into the spec of the table called `name`.
 */
export function parseTableSpec(st: Statement, a: readonly Word[], name: string, keyword: string, cx: KeywordContext): StickTableSpec | undefined {
  const err = (w: Word, msg: string): undefined => {
    cx.sv.diag.error('invalid-argument', w.span, `'${keyword}' : ${msg}`)
    return undefined
  }
  let type: StickTableSpec['type'] | undefined
  let keyLength = 32
  let size: number | undefined
  let expireMs: number | undefined
  let nopurge = false
  let consistency: 'exact' | 'fast' = 'fast'
  let onError: 'open' | 'local' | undefined
  let peers: string | undefined
  const store: { type: string; periodMs?: number }[] = []
  for (let i = 0; i < a.length; i++) {
    const w = a[i] as Word
    const v = a[i + 1]
    const missing = (): undefined => err(w, `missing argument after '${w.text}'`)
    switch (w.text) {
      case 'type':
        if (!v) return missing()
        if (!KEY_TYPES.has(v.text)) return err(v, `unknown type '${v.text}' (expects ip, ipv6, integer, string or binary)`)
        type = v.text === 'ipv4' ? 'ip' : (v.text as StickTableSpec['type'])
        i++
        if ((type === 'string' || type === 'binary') && a[i + 1]?.text === 'len') {
          const lw = a[i + 2]
          if (!lw || !/^\d+$/.test(lw.text) || Number(lw.text) < 1) return err(lw ?? w, "'len' expects a positive integer")
          keyLength = Number(lw.text)
          i += 2
        }
        break
      case 'size': {
        if (!v) return missing()
        const r = parseSize(v.text)
        if (!r.ok) return err(v, r.error)
        size = r.value
        i++
        break
      }
      case 'expire': {
        if (!v) return missing()
        const r = parseTime(v.text)
        if (!r.ok) return err(v, r.error)
        if (r.warning) timeWarning(v, cx.sv, r.warning)
        expireMs = r.value
        i++
        break
      }
      case 'nopurge':
        nopurge = true
        break
      case 'peers':
        if (!v) return missing()
        peers = v.text
        i++
        break
      case 'consistency':
        if (!v) return missing()
        if (v.text !== 'exact' && v.text !== 'fast') return err(v, `'consistency' expects 'exact' or 'fast' (got '${v.text}')`)
        consistency = v.text
        i++
        break
      case 'on-error':
        if (!v) return missing()
        if (v.text !== 'open' && v.text !== 'local') return err(v, `'on-error' expects 'open' or 'local' (got '${v.text}')`)
        onError = v.text
        i++
        break
      case 'store': {
        if (!v) return missing()
        for (const item of storeItems(v.text)) {
          const m = /^([a-z0-9_]+)(?:\(([^)]*)\))?$/.exec(item)
          const kind = m ? STICK_DATA_TYPES[m[1] as string] : undefined
          if (!m || !kind) return err(v, `unknown data type '${item}'`)
          const dname = m[1] as string
          if (!COUNTED.has(dname)) {
            cx.sv.diag.error('not-supported', v.span, `'${keyword}' : data type '${dname}' is not supported yet: the edge does not count it`, {
              help: `supported: ${[...COUNTED].join(', ')}`,
            })
            return undefined
          }
          if (kind === 'rate' || kind === 'array-rate') {
            const arg = kind === 'array-rate' ? (m[2] ?? '').split(',')[1] : m[2]
            if (!arg) return err(v, `data type '${dname}' requires a period, e.g. '${dname}(10s)'`)
            const r = parseTime(arg.trim())
            if (!r.ok || r.value === 0) return err(v, `invalid period for '${dname}': ${r.ok ? 'must be positive' : r.error}`)
            store.push({ type: dname, periodMs: r.value })
          } else {
            if (m[2] !== undefined && kind !== 'array') return err(v, `data type '${dname}' takes no argument`)
            store.push({ type: dname })
          }
        }
        i++
        break
      }
      case 'srvkey':
        // stick_table.c: `name` is HAProxy's default (the stick rules' lookups are unchanged);
        // `addr` would store the server's address, a string the edge tables do not keep.
        if (v?.text === 'name') {
          i++
          break
        }
        if (v?.text === 'addr') {
          cx.sv.diag.error('not-supported', v.span, `'${keyword}' : 'srvkey addr' is not supported yet: edge stick tables keep the server's id, not its address`, {
            help: "remove 'srvkey addr' (servers are then found by id: give servers that share an address the same 'id' in every backend using the table)",
          })
          return undefined
        }
        return err(v ?? w, `unknown server key type '${v?.text ?? ''}'.`)
      case 'write-to':
      case 'brates-factor':
        if (!v) return missing()
        cx.sv.diag.error('not-supported', w.span, `'${keyword}' : '${w.text}' is not supported yet`)
        return undefined
      case 'recv-only':
        cx.sv.diag.warning('edge-mapping', w.span, `'${keyword}' : 'recv-only' is ignored at the edge: tables are not replicated between peers`)
        break
      default:
        return err(w, `unknown argument '${w.text}' (expects type, size, expire, nopurge, peers, store, consistency or on-error)`)
    }
  }
  if (!type) return err(st.keyword[0] as Word, "missing 'type' argument")
  if (size === undefined) return err(st.keyword[0] as Word, "missing 'size' argument")
  const names = store.map((s) => s.type)
  if (names.includes('gpc0') && names.includes('gpc')) return err(st.keyword[0] as Word, "'gpc0' and 'gpc' cannot be stored together")
  if (peers) {
    cx.sv.diag.warning('edge-mapping', st.span, `'stick-table ... peers ${peers}': tables are global at the edge (one Durable Object-backed table), so peers replication is not needed`)
  }
  return {
    name,
    type,
    keyLength: type === 'integer' ? 4 : type === 'ip' ? 4 : type === 'ipv6' ? 16 : keyLength,
    size,
    ...(expireMs !== undefined ? { expireMs } : {}),
    nopurge,
    store,
    consistency,
    ...(onError ? { onError } : {}),
    ...(peers ? { peers } : {}),
    origin: { file: st.span.file, line: st.span.line },
  }
}

function parseStick(st: Statement, cx: KeywordContext): void {
  const p = cx.proxy
  if (!p) return
  const kind = st.keyword[1]?.text as 'match' | 'on' | 'store-request' | 'store-response'
  const exprW = st.args[0]
  if (!exprW) {
    cx.sv.diag.error('missing-argument', st.span, `'stick ${kind}' expects a sample expression`)
    return
  }
  const phase = kind === 'store-response' ? 'response' : 'request'
  const r = parseSampleExpr(exprW.text, cx.sv.registry, { phase, loadMap: cx.sv.loadMap })
  if (reportExprErrors(r.errors, exprW, cx.sv, 0) || !r.expr) return
  const ci = condStart(st.args)
  let table: string | undefined
  for (let i = 1; i < ci; i++) {
    const w = st.args[i] as Word
    if (w.text === 'table' && st.args[i + 1] && i + 1 < ci) {
      table = (st.args[i + 1] as Word).text
      p.refs.push({ kind: 'table', name: table, span: (st.args[i + 1] as Word).span, context: `in 'stick ${kind}'` })
      i++
    } else {
      cx.sv.diag.error('invalid-argument', w.span, `'stick ${kind}' : unexpected argument '${w.text}' (expects 'table <name>' or a condition)`)
      return
    }
  }
  const cond =
    ci < st.args.length
      ? parseCondition(st.args.slice(ci), p, phase, cx.sv, `'stick ${kind}'`, kind === 'store-response' ? 'backend stick-store rule' : 'backend use-server, balance or stick-match rule')
      : undefined
  if (ci < st.args.length && !cond) return
  p.stickRules.push({ kind, sample: r.expr, ...(table ? { table } : {}), ...(cond ? { cond } : {}), origin: { file: st.span.file, line: st.span.line } })
}

export const STICK_KEYWORDS: readonly KeywordDef[] = [
  { name: 'stick-table', sections: FE_BE, support: 'yes', parse: parseStickTable },
  { name: 'stick match', sections: BE_ONLY, support: 'yes', parse: parseStick },
  { name: 'stick on', sections: BE_ONLY, support: 'yes', parse: parseStick },
  { name: 'stick store-request', sections: BE_ONLY, support: 'yes', parse: parseStick },
  { name: 'stick store-response', sections: BE_ONLY, support: 'yes', parse: parseStick },
]

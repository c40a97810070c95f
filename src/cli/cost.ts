/**
 * @module
 * `edgeproxy cost`: compiles the configuration and prints the bill's estimate (src/cost/model.ts)
 * as a table, or as JSON with `--json`; `costSummary` is the short form `deploy --dry-run` prints.
 * The formulas, the prices and the assumptions: docs/cost.md.
 */
import type { RouteMap } from '../routemap/schema.ts'
import { assumptions, type CostAssumptions, type CostEstimate, estimate, type Limit, METRICS, type Metric, PRICES } from '../cost/model.ts'
import { type ParsedArgs, UsageError } from './args.ts'
import { compileFiles, type Io } from './compile-files.ts'

const LABELS: Readonly<Record<Metric, string>> = {
  doRequests: 'DO requests',
  doGbS: 'DO duration (GB-s)',
  rowsRead: 'SQLite rows read',
  rowsWritten: 'SQLite rows written',
  kvReads: 'KV reads',
  workerRequests: 'Worker requests',
}

/** A positive number option (`--rps 2.5`, `--isolates 40`); a UsageError (exit 2) otherwise. */
function positive(args: ParsedArgs, name: string, integer: boolean): number | undefined {
  const v = args.string(name)
  if (v === undefined) return undefined
  const n = Number(v)
  if (v.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`option '--${name}' needs a positive ${integer ? 'integer' : 'number'}, not '${v}'`)
  }
  return n
}

export function costAssumptions(args: ParsedArgs): CostAssumptions {
  const locations = positive(args, 'locations', true)
  const isolates = positive(args, 'isolates', true)
  return assumptions(positive(args, 'rps', false) ?? 1000, { ...(locations !== undefined ? { locations } : {}), ...(isolates !== undefined ? { isolates } : {}) })
}

/** 1234567 → "1,234,567"; small values keep up to 3 significant decimals. */
function num(n: number): string {
  if (n === 0) return '0'
  if (Math.abs(n) >= 100) return Math.round(n).toLocaleString('en-US')
  return Number(n.toPrecision(3)).toLocaleString('en-US', { maximumFractionDigits: 6 })
}

function dollars(n: number): string {
  return n >= 1 ? `$${n.toFixed(2)}` : `$${Number(n.toPrecision(3))}`
}

function limitText(l: Limit): string {
  return `${LABELS[l.metric]} ${num(l.perDay)}/day > ${num(l.limit)} (×${l.ratio.toFixed(1)})`
}

function pad(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? []
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '))
}

export function renderCost(e: CostEstimate): string {
  const a = e.assumptions
  const lines = [
    `Assumptions: ${num(a.rps)} proxied requests/s over ${a.locations} locations, ${a.isolates} isolate${a.isolates === 1 ? '' : 's'} with traffic; a Durable Object is billed 128 MB × ${a.rpcWallMs} ms per call, ${a.alarmWallMs} ms per health alarm (docs/cost.md).`,
    '',
    'Per day, by source:',
    ...pad([['source', ...METRICS.map((m) => LABELS[m])], ...e.sources.map((s) => [s.name, ...METRICS.map((m) => num(s.usage[m] * 86_400))]), ['total', ...METRICS.map((m) => num(e.perDay[m]))]]),
    '',
    'Per million proxied requests, at Workers Paid prices (no included allowance):',
    ...pad([
      ['metric', 'per M requests', 'price', 'cost'],
      ...PRICES.map((p) => [LABELS[p.metric], num(e.perMillion[p.metric]), `$${p.perMillion}/M`, dollars(e.marginalPerMillion.byMetric[p.metric])]),
      ['total', '', '', dollars(e.marginalPerMillion.total)],
      ["edgeproxy's own (all but Worker requests)", '', '', dollars(e.marginalPerMillion.overhead)],
    ]),
    '',
    `Per 30-day month at this rate, after the Paid plan's included allowances: ${dollars(e.monthly.total)} (${
      METRICS.filter((m) => e.monthly.byMetric[m] > 0)
        .map((m) => `${LABELS[m]} ${dollars(e.monthly.byMetric[m])}`)
        .join(', ') || 'all within the allowances'
    })`,
    e.free.fits ? 'Free plan: every daily limit holds.' : `Free plan: daily limits exceeded: ${e.free.exceeded.map(limitText).join('; ')}.`,
    e.healthFree.fits ? 'Health checks alone fit the Free plan.' : `Health checks alone exceed the Free plan: ${e.healthFree.exceeded.map(limitText).join('; ')}.`,
  ]
  return lines.join('\n')
}

/** The short form `deploy --dry-run` prints. */
export function costSummary(map: RouteMap, files: readonly string[]): string {
  const e = estimate(map, assumptions())
  const d = e.perDay
  return [
    `estimated platform usage at ${num(e.assumptions.rps)} req/s (${e.assumptions.isolates} isolates): ${num(d.doRequests)} DO requests, ${num(d.rowsWritten)} rows written, ${num(d.kvReads)} KV reads per day;`,
    `  ${dollars(e.marginalPerMillion.overhead)} per million requests on top of the Worker's own ${dollars(e.marginalPerMillion.byMetric.workerRequests)}; Free plan: ${e.free.fits ? 'fits' : `exceeds ${e.free.exceeded.map((l) => LABELS[l.metric]).join(', ')}`}`,
    `  (edgeproxy cost ${files.map((f) => `-f ${f}`).join(' ')} for details)`,
  ].join('\n')
}

export function costCommand(args: ParsedArgs, io: Io): number {
  const a = costAssumptions(args)
  const r = compileFiles(args.strings('file'), io, { quiet: true })
  if (!r.routeMap) {
    io.err(`Fatal errors found in configuration (${r.errorCount} error${r.errorCount === 1 ? '' : 's'}).`)
    return 1
  }
  const e = estimate(r.routeMap, a)
  io.out(args.flag('json') ? JSON.stringify(e, null, 2) : renderCost(e))
  return 0
}

/**
 * @module
 * The simulation's outputs besides the JSON: the console table, the BENCHMARKS.md section
 * (between `<!-- sim:begin -->` and `<!-- sim:end -->`) and its plot — the busiest objects'
 * peak requests/s, and the CDFs of propagation (admin changes, config push after KV, counters,
 * origin failure) — as an SVG, rendered to PNG by headless Chromium when there is one.
 */
import { svgToPng } from '../lib/plot.ts'
import { readFileSync, writeFileSync } from 'node:fs'
import type { SimResults } from './measure.ts'

const n = (v: number | null | undefined, d = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '-' : (Math.round(v * 10 ** d) / 10 ** d).toLocaleString('en-US'))
const s = (ms: number | null | undefined): string => (ms === null || ms === undefined ? 'never' : `${n(ms / 1000, 2)} s`)

export function formatTable(r: SimResults): string {
  const out = [
    `edge simulation (${r.quick ? 'quick' : 'full'}): ${r.model.rps.toLocaleString('en-US')} req/s, ${r.model.locationCount} locations, ${r.model.meanIsolates} isolates, ${r.timeline.durationMs / 1000} s virtual in ${r.wallS} s`,
  ]
  for (const t of r.targets)
    out.push(
      `${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.value === null ? 'never' : n(t.value, 3)} ${t.unit} (goal ${t.goal}${t.met ? '' : `; missed by ${Number.isFinite(t.miss) ? n(t.miss, 3) : '∞'} ${t.unit}`})${t.note ? ` — ${t.note}` : ''}`,
    )
  return out.join('\n')
}

export function markdownSection(r: SimResults): string {
  const m = r.model
  const out: string[] = []
  out.push(
    `Run of ${r.date} (${r.quick ? 'quick' : 'full'}, ${r.wallS} s wall): ${m.rps.toLocaleString('en-US')} requests/s over ${m.locationCount} locations (${m.doSites.length} of them host Durable Objects), ${m.meanIsolates} isolates on average, ${r.timeline.durationMs / 1000} s of virtual time, ${r.realRequests.toLocaleString('en-US')} real requests through the engine (${r.timeline.samplesPerIsolatePerS} per isolate per second, each standing for its share of the traffic, plus every request of the clients under study). RTT between locations ${n(m.rttMs.min, 0)}–${n(m.rttMs.max, 0)} ms (median ${n(m.rttMs.median, 0)}). The model, its parameters and their sources: [docs/simulation.md](docs/simulation.md).`,
  )
  out.push('')
  out.push('| target | goal | measured | |')
  out.push('| --- | --- | --- | --- |')
  for (const t of r.targets)
    out.push(
      `| ${t.name} | ${t.goal} | ${t.value === null ? 'never' : `${n(t.value, 3)} ${t.unit}`}${t.note ? ` (${t.note})` : ''} | ${t.met ? 'met' : `**missed** by ${Number.isFinite(t.miss) ? n(t.miss, 3) : '∞'} ${t.unit}`} |`,
    )
  out.push('')
  out.push('![simulation](bench/sim.svg)')
  out.push('')
  out.push('Busiest objects (peak requests/s over 1 s windows after the warm-up; weighted: a sampled request stands for its share):')
  out.push('')
  out.push('| object | location | peak req/s | calls | rows written | overloaded |')
  out.push('| --- | --- | --- | --- | --- | --- |')
  for (const o of r.objects.slice(0, 8))
    out.push(
      `| ${o.binding} \`${o.name}\` | ${o.location} | ${n(o.steadyPeakRps, 0)} | ${Object.entries(o.calls)
        .map(([k, v]) => `${k} ${n(v, 0)}`)
        .join(', ')} | ${n(o.rowsWritten, 0)} | ${n(o.overloaded, 0)} |`,
    )
  out.push('')
  out.push(
    `Cold starts: ${r.cold.starts}; waited on an object outside their location: ${r.cold.waitedFar}; Durable Object round trips waited p50/max ${n(r.cold.doRoundTrips.p50, 0)}/${n(r.cold.doRoundTrips.max, 0)}, first request ${s(r.cold.waitMs.p50)} p50, ${s(r.cold.waitMs.p99)} p99.`,
  )
  out.push(
    `Propagation: admin changes p50 ${s(r.adminAll.p50)}, p99 ${s(r.adminAll.p99)}, max ${s(r.adminAll.max)}; config push p99 ${s(r.push.learnedMs.p99)} after the push, ${s(r.push.afterKvMs.p99)} after KV reached the location; counters p99 ${s(r.counters.lagMs.p99)}; origin failure (${r.timeline.failure.backend}/${r.timeline.failure.server}) last request per location p99 ${s(r.failure.stopMs.p99)}, max ${s(r.failure.stopMs.max)} (goal ${s(r.failure.targetMs)}).`,
  )
  out.push('')
  out.push(
    `Rate limit (${r.limit.requests} requests per ${r.limit.periodMs / 1000} s per address), clients sending ${r.timeline.clients.rps} requests/s for ${r.timeline.clients.durationMs / 1000} s:`,
  )
  out.push('')
  out.push('| client | sent | admitted | admitted / limit |')
  out.push('| --- | --- | --- | --- |')
  for (const c of r.clients) out.push(`| ${c.name} | ${c.sent} | ${c.admitted} | ${n(c.ratio, 2)} |`)
  out.push('')
  out.push("Platform usage per million proxied requests, the simulation's counts vs `edgeproxy cost` (src/cost/model.ts) for the same traffic and isolates:")
  out.push('')
  out.push('| source | DO requests sim / formula | rows written sim / formula | KV reads sim / formula |')
  out.push('| --- | --- | --- | --- |')
  for (const c of [...r.cost.perMillion, r.cost.totals])
    out.push(`| ${c.source} | ${n(c.doRequests.sim)} / ${n(c.doRequests.formula)} | ${n(c.rowsWritten.sim)} / ${n(c.rowsWritten.formula)} | ${n(c.kvReads.sim)} / ${n(c.kvReads.formula)} |`)
  out.push('')
  out.push(
    `At Workers Paid prices: $${n(r.cost.simDollarsPerMillion, 4)} per million proxied requests counted by the simulation, $${n(r.cost.formulaDollarsPerMillion, 4)} by the formula (Durable Object requests, rows, KV reads; duration not simulated).`,
  )
  return out.join('\n')
}

export function updateBenchmarksMd(path: string, r: SimResults): void {
  const text = readFileSync(path, 'utf8')
  const begin = '<!-- sim:begin -->'
  const end = '<!-- sim:end -->'
  const i = text.indexOf(begin)
  const j = text.indexOf(end)
  if (i < 0 || j < i) throw new Error(`${path} has no ${begin} … ${end} block`)
  writeFileSync(path, `${text.slice(0, i + begin.length)}\n${markdownSection(r)}\n${text.slice(j)}`)
}

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2']
const esc = (t: string): string => t.replace(/&/g, '&amp;').replace(/</g, '&lt;')

/** Left: the busiest objects' peak req/s (lines at 500 and 1,000); right: propagation CDFs. */
export function simSvg(r: SimResults): string {
  const W = 960
  const H = 460
  const top = 60
  const bottom = 380
  const ch = bottom - top
  const p: string[] = []
  const title = `edge simulation: ${r.model.rps.toLocaleString('en-US')} req/s over ${r.model.locationCount} locations (${r.date.slice(0, 10)})`
  p.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12" role="img" aria-label="${esc(title)}">`)
  p.push(`<title>${esc(title)}</title><rect width="${W}" height="${H}" fill="white"/>`)
  p.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`)
  // Left panel: objects.
  const objs = r.objects.slice(0, 10)
  const x0 = 60
  const pw = 380
  const maxV = Math.max(1100, ...objs.map((o) => o.steadyPeakRps)) * 1.05
  const y = (v: number): number => bottom - (Math.log10(1 + v) / Math.log10(1 + maxV)) * ch
  p.push(`<text x="${x0 + pw / 2}" y="${top - 14}" text-anchor="middle" font-size="13">busiest objects: peak requests/s (log scale)</text>`)
  p.push(`<line x1="${x0}" y1="${bottom}" x2="${x0 + pw}" y2="${bottom}" stroke="#333"/><line x1="${x0}" y1="${top}" x2="${x0}" y2="${bottom}" stroke="#333"/>`)
  for (const v of [10, 100, 1000, 10000, 100000]) if (v < maxV) p.push(`<text x="${x0 - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v.toLocaleString('en-US')}</text>`)
  const bw = pw / Math.max(1, objs.length)
  objs.forEach((o, i) => {
    const yy = y(o.steadyPeakRps)
    const x = x0 + i * bw + bw * 0.15
    p.push(`<rect x="${x}" y="${yy}" width="${bw * 0.7}" height="${bottom - yy}" fill="${COLOURS[['RUNTIME', 'STICK', 'HEALTH'].indexOf(o.binding) % COLOURS.length] ?? COLOURS[0]}"/>`)
    p.push(`<text transform="translate(${x + bw * 0.35},${bottom + 8}) rotate(40)" font-size="10">${esc(`${o.name}@${o.location}`)}</text>`)
  })
  // The goal and the platform's limit, drawn over the bars.
  for (const [v, label, c] of [
    [500, 'goal 500', '#59a14f'],
    [1000, 'limit 1,000', '#e15759'],
  ] as const)
    p.push(
      `<line x1="${x0}" y1="${y(v)}" x2="${x0 + pw}" y2="${y(v)}" stroke="${c}" stroke-width="1.5" stroke-dasharray="5 3"/><text x="${x0 + pw + 4}" y="${y(v) + 4}" fill="${c}" font-size="10">${label}</text>`,
    )
  p.push(`<text x="${x0}" y="${H - 8}" font-size="10">blue: RuntimeState, orange: stick tables, green: health monitors</text>`)
  // Right panel: CDFs.
  const x1 = 540
  const pw2 = 380
  const series = [
    ['admin change → isolate', r.cdf.admin],
    ['push, after KV', r.cdf.pushAfterKv],
    ['counters → hub', r.cdf.counters],
    ['origin down → last request', r.cdf.failureStop],
  ] as const
  const maxS = Math.max(12, ...series.flatMap(([, v]) => v)) * 1.05
  const sx = (v: number): number => x1 + (v / maxS) * pw2
  const sy = (q: number): number => bottom - q * ch
  p.push(`<text x="${x1 + pw2 / 2}" y="${top - 14}" text-anchor="middle" font-size="13">propagation CDFs (seconds)</text>`)
  p.push(`<line x1="${x1}" y1="${bottom}" x2="${x1 + pw2}" y2="${bottom}" stroke="#333"/><line x1="${x1}" y1="${top}" x2="${x1}" y2="${bottom}" stroke="#333"/>`)
  for (let t = 0; t <= maxS; t += maxS > 60 ? 20 : maxS > 25 ? 5 : 2) p.push(`<text x="${sx(t)}" y="${bottom + 14}" text-anchor="middle" font-size="10">${t}</text>`)
  for (const q of [0, 0.25, 0.5, 0.75, 1]) p.push(`<text x="${x1 - 4}" y="${sy(q) + 4}" text-anchor="end" font-size="10">${q}</text>`)
  p.push(
    `<line x1="${x1}" y1="${sy(0.99)}" x2="${x1 + pw2}" y2="${sy(0.99)}" stroke="#999" stroke-dasharray="2 3"/><text x="${x1 + pw2 + 4}" y="${sy(0.99) + 4}" font-size="10" fill="#666">p99</text>`,
  )
  series.forEach(([label, vs], i) => {
    const c = COLOURS[i % COLOURS.length]
    if (vs.length > 0) {
      const pts = vs.map((v, k) => `${sx(v).toFixed(1)},${sy((k + 1) / vs.length).toFixed(1)}`)
      p.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${sx(vs[0] as number).toFixed(1)},${sy(0)} ${pts.join(' ')}"/>`)
    }
    // The legend under the axis, two per row.
    const lx = x1 + (i % 2) * 200
    const ly = bottom + 34 + Math.floor(i / 2) * 16
    p.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${c}"/><text x="${lx + 16}" y="${ly}" font-size="11">${esc(label)}${vs.length === 0 ? ' (none)' : ''}</text>`)
  })
  p.push('</svg>')
  return p.join('\n')
}

/** Writes the SVG and, with Chromium, the PNG next to it; true when the PNG was written. */
export async function writeSimPlot(r: SimResults, svgPath: string): Promise<boolean> {
  const svg = simSvg(r)
  writeFileSync(svgPath, svg)
  return svgToPng(svg, svgPath.replace(/\.svg$/, '.png'), 960, 460)
}

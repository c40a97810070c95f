/**
 * @module
 * The throughput and latency plot of BENCHMARKS.md: an SVG bar chart (requests/s, and p50/p99
 * latency) rendered to PNG by headless Chromium (Debian's /usr/bin/chromium via playwright-core).
 */
import { writeFileSync } from 'node:fs'

export interface PlotRow {
  readonly name: string
  readonly rps: number
  readonly p50Ms: number
  readonly p99Ms: number
}

const COLOURS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2']

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;')
}

/** Two panels side by side: req/s per target, and p50/p99 latency per target. */
export function plotSvg(rows: readonly PlotRow[], title: string): string {
  const W = 900
  const H = 420
  const panelW = 400
  const top = 60
  const bottom = 360
  const chartH = bottom - top
  const maxRps = Math.max(1, ...rows.map((r) => r.rps)) * 1.1
  const maxLat = Math.max(1, ...rows.map((r) => r.p99Ms)) * 1.1
  const bw = panelW / rows.length
  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12" role="img" aria-label="${esc(title)}">`)
  parts.push(`<title>${esc(title)}</title>`)
  parts.push(`<rect width="${W}" height="${H}" fill="white"/>`)
  parts.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${esc(title)}</text>`)
  const panel = (x0: number, label: string) => {
    parts.push(`<text x="${x0 + panelW / 2}" y="${top - 14}" text-anchor="middle" font-size="13">${esc(label)}</text>`)
    parts.push(`<line x1="${x0}" y1="${bottom}" x2="${x0 + panelW}" y2="${bottom}" stroke="#333"/>`)
  }
  panel(40, 'throughput (requests/s, higher is better)')
  rows.forEach((r, i) => {
    const h = (r.rps / maxRps) * chartH
    const x = 40 + i * bw + bw * 0.15
    parts.push(`<rect x="${x}" y="${bottom - h}" width="${bw * 0.7}" height="${h}" fill="${COLOURS[i % COLOURS.length]}"/>`)
    parts.push(`<text x="${x + bw * 0.35}" y="${bottom - h - 4}" text-anchor="middle">${Math.round(r.rps)}</text>`)
    parts.push(`<text x="${x + bw * 0.35}" y="${bottom + 16}" text-anchor="middle">${esc(r.name)}</text>`)
  })
  const x1 = 480
  panel(x1, 'latency p50 / p99 (ms, lower is better)')
  rows.forEach((r, i) => {
    const x = x1 + i * bw + bw * 0.1
    const w = bw * 0.38
    for (const [j, v] of [r.p50Ms, r.p99Ms].entries()) {
      const h = (v / maxLat) * chartH
      const xx = x + j * (w + 2)
      parts.push(`<rect x="${xx}" y="${bottom - h}" width="${w}" height="${h}" fill="${COLOURS[i % COLOURS.length]}" fill-opacity="${j === 0 ? 1 : 0.55}"/>`)
      parts.push(`<text x="${xx + w / 2}" y="${bottom - h - 4}" text-anchor="middle" font-size="10">${v.toFixed(1)}</text>`)
    }
    parts.push(`<text x="${x + bw * 0.4}" y="${bottom + 16}" text-anchor="middle">${esc(r.name)}</text>`)
  })
  parts.push(`<text x="${x1}" y="${bottom + 40}" font-size="11">solid: p50, light: p99</text>`)
  parts.push('</svg>')
  return parts.join('\n')
}

/** Renders an SVG to a PNG of `width` × `height` in headless Chromium; false when no browser is available. */
export async function svgToPng(svg: string, pngPath: string, width: number, height: number): Promise<boolean> {
  let chromium: typeof import('playwright-core').chromium
  try {
    chromium = (await import('playwright-core')).chromium
  } catch {
    return false
  }
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium' }).catch(() => undefined)
  if (!browser) return false
  try {
    const page = await browser.newPage({ viewport: { width, height } })
    await page.setContent(`<html><body style="margin:0">${svg}</body></html>`)
    await page.screenshot({ path: pngPath, clip: { x: 0, y: 0, width, height } })
    return true
  } finally {
    await browser.close()
  }
}

/** Writes the SVG and its PNG rendering (Chromium); returns false when no browser is available. */
export async function writePlot(rows: readonly PlotRow[], title: string, pngPath: string): Promise<boolean> {
  const svg = plotSvg(rows, title)
  writeFileSync(pngPath.replace(/\.png$/, '.svg'), svg)
  return svgToPng(svg, pngPath, 900, 420)
}

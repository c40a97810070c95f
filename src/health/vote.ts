/**
 * @module
 * The majority vote of `health-regions` (as Cloudflare Load Balancing combines its monitor
 * regions): a backend checked from several regions gets one snapshot per region, and the data
 * plane sees one combined snapshot. Per server, separately for `up` (persistence) and `usable`
 * (load balancing): the server is DOWN (not up / not usable) only when a strict majority of the
 * configured regions says so; a region that has not reported yet, or whose snapshot lacks the
 * server, counts as UP (like a server without a snapshot: "no check"). So with 3 regions, 2 must
 * see the server down; with 2, both; one region cut off from an origin by its own network never
 * takes it out. The other fields (status text, check status, agent weight and admin state, slow
 * start) come from the first configured region whose verdict is the majority's, so what the stats
 * page shows is a region's real observation. Pure: the hub and the Worker's loader both use it.
 */
import type { HealthSnapshot, ServerSnapshot } from './snapshot.ts'

/** The region a monitor group publishes as (`group:<hint>`; `group:default` has none). */
export function regionOfSource(source: string): string | undefined {
  const name = source.startsWith('group:') ? source.slice('group:'.length) : source
  return name === 'default' ? undefined : name
}

/** True when strictly more than half of `regions` voted DOWN. */
function majority(down: number, regions: number): boolean {
  return down * 2 > regions
}

/**
 * Combines the snapshots of one backend from its regions. `regions`: the configured regions (the
 * plan's `regions`); `byRegion`: the snapshots received so far, by region (others count as UP).
 * Undefined when no region has reported.
 */
export function voteSnapshots(regions: readonly string[], byRegion: ReadonlyMap<string, HealthSnapshot> | Readonly<Record<string, HealthSnapshot>>): HealthSnapshot | undefined {
  const get = (r: string): HealthSnapshot | undefined => (byRegion instanceof Map ? byRegion.get(r) : (byRegion as Readonly<Record<string, HealthSnapshot>>)[r])
  const present = regions.map((r) => ({ r, snap: get(r) })).filter((x): x is { r: string; snap: HealthSnapshot } => x.snap !== undefined)
  const first = present[0]?.snap
  if (!first) return undefined
  const n = regions.length
  // The newest configuration any region runs: older snapshots still vote for the servers they have.
  const base = present.reduce((a, x) => (x.snap.generatedAt > a.generatedAt ? x.snap : a), first)
  const names = new Set<string>()
  for (const { snap } of present) for (const name of Object.keys(snap.servers)) names.add(name)
  const servers: Record<string, ServerSnapshot> = {}
  for (const name of names) {
    const votes = present.map((x) => x.snap.servers[name]).filter((s): s is ServerSnapshot => s !== undefined)
    const notUp = votes.filter((s) => !s.up).length
    const notUsable = votes.filter((s) => !s.usable).length
    const up = !majority(notUp, n)
    const usable = !majority(notUsable, n)
    const rep = votes.find((s) => s.up === up && s.usable === usable) ?? votes.find((s) => s.usable === usable) ?? (votes[0] as ServerSnapshot)
    servers[name] = rep.up === up && rep.usable === usable ? rep : { ...rep, up, usable, effectiveWeightPct: usable ? Math.max(1, rep.effectiveWeightPct) : 0 }
  }
  return {
    backend: base.backend,
    routeMapHash: base.routeMapHash,
    generatedAt: Math.max(...present.map((x) => x.snap.generatedAt)),
    minInterMs: Math.min(...present.map((x) => x.snap.minInterMs)),
    servers,
  }
}

/**
 * What a receiver of published snapshots (RuntimeState's hub) holds for one backend: the latest
 * snapshot from each source (`group:<hint>`), combined. A backend without `health-regions` has one
 * source (the newest snapshot wins, e.g. after its `health-location` moved); with regions, the
 * newest snapshot's `regions` are the electorate and each region's latest snapshot votes.
 */
export function combineSources(snaps: Iterable<HealthSnapshot>): HealthSnapshot | undefined {
  let newest: HealthSnapshot | undefined
  const all: HealthSnapshot[] = []
  for (const s of snaps) {
    all.push(s)
    if (!newest || s.generatedAt > newest.generatedAt) newest = s
  }
  if (!newest?.regions || newest.regions.length === 0) return newest
  const byRegion = new Map<string, HealthSnapshot>()
  for (const s of all) {
    if (s.region === undefined || !newest.regions.includes(s.region)) continue
    const cur = byRegion.get(s.region)
    if (!cur || s.generatedAt > cur.generatedAt) byRegion.set(s.region, s)
  }
  return voteSnapshots(newest.regions, byRegion)
}

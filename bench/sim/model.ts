/**
 * @module
 * The edge the simulation runs on: locations, where Durable Objects can live, round-trip times,
 * isolates per location, and the platform's limits. Every parameter names its source; where
 * Cloudflare publishes nothing, the value is an assumption and says so (docs/simulation.md lists
 * them all). Pure data and functions: no clock, no I/O.
 */
import { rng as prng } from '../lib/rng.ts'

/** Durable Object location hints (developers.cloudflare.com/durable-objects/reference/data-location/). */
export type Region = 'wnam' | 'enam' | 'sam' | 'weur' | 'eeur' | 'apac' | 'oc' | 'afr' | 'me'
export const REGIONS: readonly Region[] = ['wnam', 'enam', 'sam', 'weur', 'eeur', 'apac', 'oc', 'afr', 'me']

export interface Location {
  /** IATA code of a real Cloudflare city, or `<region>-<n>` for a synthetic one. */
  readonly id: string
  readonly region: Region
  readonly lat: number
  readonly lon: number
  /** Share of the world's requests (sums to 1 over the locations). */
  readonly share: number
  /** Durable Objects can be created here. */
  readonly doSite: boolean
}

export interface ModelParams {
  /** Cloudflare's network: "330+ cities" (cloudflare.com/network, 2025); the figure: ~300. */
  readonly locations: number
  /** Requests per second, all locations together (the target: 1 M/s). */
  readonly rps: number
  /**
   * Requests/s one isolate serves before the location runs another. Not published: an
   * assumption (a Worker isolate serves thousands of short requests/s on one core; a location
   * spreads its traffic over many machines, each with its own isolate).
   */
  readonly isolateCapacityRps: number
  /** Mean isolate lifetime (exponential). Not published ("isolates may be evicted at any time"): assumption. */
  readonly isolateLifetimeMs: number
  /** Isolate start: "under 5 ms" (blog.cloudflare.com/eliminating-cold-starts-with-cloudflare-workers/). */
  readonly coldStartMs: number
  /** Light in fiber: c / 1.468 ≈ 204 km/ms (refractive index of silica fiber); 200 km/ms. */
  readonly fiberKmPerMs: number
  /**
   * Path length over great-circle distance: ~1.5 for fiber routes between metros (Singla et al.,
   * "The Internet at the speed of light", HotNets 2014; Bozkurt et al., PAM 2017, "Why is the
   * Internet so slow?!": median fiber path inflation ~1.5–2).
   */
  readonly routeFactor: number
  /** Added to every round trip between two locations (switching, the RPC stack): assumption. */
  readonly hopBaseMs: number
  /** A round trip inside one location (Worker → object or KV cache in the same city): assumption. */
  readonly sameLocationRttMs: number
  /** Time an object spends on one call (SQL runs in-thread, microseconds): assumption. */
  readonly doServiceMs: number
  /** "Soft limit 1,000 requests/s per object" (durable-objects/platform/limits; reference §B2). */
  readonly doMaxRps: number
  /** KV: "up to 60 s or more" to reach other locations (kv/concepts/how-kv-works; reference §B4). */
  readonly kvPropagationMaxMs: number
  readonly kvPropagationMinMs: number
  /** A KV read of a hot key, served by the location's cache: assumption. */
  readonly kvReadMs: number
  /** Where the seed's origins are (one site: the origins of examples/haproxy.cfg are one data centre). */
  readonly originSite: string
  readonly seed: number
}

export const FULL: ModelParams = {
  locations: 300,
  rps: 1_000_000,
  isolateCapacityRps: 500,
  isolateLifetimeMs: 300_000,
  coldStartMs: 5,
  fiberKmPerMs: 200,
  routeFactor: 1.5,
  hopBaseMs: 2,
  sameLocationRttMs: 1,
  doServiceMs: 0.5,
  doMaxRps: 1000,
  kvPropagationMaxMs: 60_000,
  kvPropagationMinMs: 2_000,
  kvReadMs: 1,
  originSite: 'IAD',
  seed: 13,
}

/**
 * Real Cloudflare cities by location hint (IATA code, latitude, longitude), listed biggest first
 * within a region (airport coordinates; cloudflare.com/network lists the cities). `*`: a city
 * the model lets Durable Objects live in (a subset: Cloudflare does not publish which data
 * centres host objects; sam, afr and me have none, as "sam/afr/me spawn in a nearby supported
 * region" — data-location page).
 */
const CITIES: Readonly<Record<Region, string>> = {
  wnam: 'SJC* 37.36 -121.93, LAX* 33.94 -118.41, SEA* 47.45 -122.31, SFO 37.62 -122.38, DEN 39.86 -104.67, PHX 33.43 -112.01, LAS 36.08 -115.15, PDX 45.59 -122.6, SLC 40.79 -111.98, YVR 49.19 -123.18, SAN 32.73 -117.19, SMF 38.7 -121.59, ABQ 35.04 -106.61',
  enam: 'IAD* 38.95 -77.46, EWR* 40.69 -74.17, ORD* 41.98 -87.9, DFW* 32.9 -97.04, ATL* 33.64 -84.43, MIA* 25.79 -80.29, YYZ 43.68 -79.63, BOS 42.36 -71.01, IAH 29.99 -95.34, MEX 19.44 -99.07, MSP 44.88 -93.22, DTW 42.21 -83.35, CLT 35.21 -80.94, PHL 39.87 -75.24, YUL 45.47 -73.74, TPA 27.98 -82.53, MCI 39.3 -94.71, STL 38.75 -90.37, CMH 39.99 -82.89, PIT 40.49 -80.23, BNA 36.12 -86.68, JAX 30.49 -81.69, MEM 35.04 -89.98, IND 39.72 -86.29, RIC 37.51 -77.32, ORF 36.89 -76.2, QRO 20.62 -100.19, GDL 20.52 -103.31',
  sam: 'GRU -23.43 -46.47, GIG -22.81 -43.25, EZE -34.82 -58.54, SCL -33.39 -70.79, BOG 4.7 -74.14, LIM -12.02 -77.11, UIO -0.13 -78.36, MDE 6.16 -75.42, FOR -3.78 -38.53, POA -29.99 -51.17, CWB -25.53 -49.18, PTY 9.07 -79.38, CCS 10.6 -66.99, MVD -34.84 -56.03, ASU -25.24 -57.52',
  weur: 'FRA* 50.03 8.57, LHR* 51.47 -0.45, AMS* 52.31 4.76, CDG* 49.01 2.55, MAD* 40.47 -3.56, MXP 45.63 8.72, MAN 53.35 -2.27, DUB 53.43 -6.25, MRS 43.44 5.22, BRU 50.9 4.48, DUS 51.29 6.77, HAM 53.63 9.99, MUC 48.35 11.79, ZRH 47.46 8.55, GVA 46.24 6.11, BCN 41.3 2.08, LIS 38.78 -9.13, FCO 41.8 12.24, CPH 55.62 12.65, ARN 59.65 17.92, OSL 60.19 11.1, HEL 60.32 24.96, EDI 55.95 -3.37, LUX 49.63 6.21',
  eeur: 'WAW* 52.17 20.97, VIE* 48.11 16.57, PRG 50.1 14.26, BUD 47.44 19.26, OTP 44.57 26.1, IST 41.26 28.74, SOF 42.7 23.41, ATH 37.94 23.94, KBP 50.35 30.89, BEG 44.82 20.29, ZAG 45.74 16.07, RIX 56.92 23.97, VNO 54.63 25.29, TLL 59.41 24.83, KIV 46.93 28.93',
  apac: 'NRT* 35.77 140.39, SIN* 1.36 103.99, HKG* 22.31 113.92, BOM* 19.09 72.87, ICN 37.46 126.44, KIX 34.43 135.24, TPE 25.08 121.23, DEL 28.57 77.1, KUL 2.75 101.71, BKK 13.69 100.75, CGK -6.13 106.66, MNL 14.51 121.02, SGN 10.82 106.65, BLR 13.2 77.71, MAA 12.99 80.17, HYD 17.23 78.43, FUK 33.59 130.45, HAN 21.22 105.81, CCU 22.65 88.45, KHI 24.91 67.16, LHE 31.52 74.4, DAC 23.84 90.4, CMB 7.18 79.88, KTM 27.7 85.36, PNH 11.55 104.84, RGN 16.91 96.13, ULN 47.84 106.77',
  oc: 'SYD* -33.95 151.18, MEL -37.67 144.84, BNE -27.38 153.12, PER -31.94 115.97, AKL -37.01 174.79, ADL -34.95 138.53, CHC -43.49 172.53, NOU -22.01 166.21',
  afr: 'JNB -26.14 28.25, LOS 6.58 3.32, CAI 30.12 31.41, NBO -1.32 36.93, CPT -33.97 18.6, CMN 33.37 -7.59, ACC 5.61 -0.17, DUR -29.61 31.12, MBA -4.03 39.59, ALG 36.69 3.22, TUN 36.85 10.23, DKR 14.74 -17.49, KGL -1.97 30.14, DAR -6.88 39.2, LAD -8.86 13.23, MPM -25.92 32.57',
  me: 'DXB 25.25 55.36, TLV 32.01 34.89, RUH 24.96 46.7, DOH 25.27 51.61, JED 21.68 39.16, KWI 29.24 47.97, AUH 24.43 54.65, BAH 26.27 50.63, AMM 31.72 35.99, MCT 23.59 58.28, BGW 33.26 44.23',
}

/**
 * Each region's share of requests. Not published per region: an assumption after the shares of
 * Internet users by continent (ITU, "Facts and Figures 2023"), weighted towards North America
 * and Europe where more traffic per user is served.
 */
const REGION_SHARE: Readonly<Record<Region, number>> = { enam: 0.2, wnam: 0.12, weur: 0.22, eeur: 0.06, apac: 0.24, oc: 0.03, sam: 0.06, me: 0.03, afr: 0.04 }

/** Within a region, the k-th city's weight is 1 / k^ZIPF (assumption: a few big cities dominate). */
const ZIPF = 0.9

/**
 * The locations: the real cities above first (all of them when `n` allows; else the biggest of
 * each region in turn), then synthetic cities near the real ones of each region (seeded jitter
 * of ±3°) until there are `n`. Shares follow REGION_SHARE and ZIPF.
 */
export function buildLocations(n: number, seed: number): Location[] {
  const rand = prng(seed)
  const real: Record<Region, { id: string; lat: number; lon: number; doSite: boolean }[]> = {} as never
  for (const r of REGIONS)
    real[r] = CITIES[r].split(',').map((s) => {
      const [code, lat, lon] = s.trim().split(/\s+/) as [string, string, string]
      return { id: code.replace('*', ''), lat: Number(lat), lon: Number(lon), doSite: code.endsWith('*') }
    })
  const picked: Record<Region, { id: string; lat: number; lon: number; doSite: boolean }[]> = {} as never
  for (const r of REGIONS) picked[r] = []
  const totalReal = REGIONS.reduce((a, r) => a + real[r].length, 0)
  if (n <= totalReal) {
    // Round robin over the regions, biggest first, weighted by share (quick runs keep a few big cities).
    const order = [...REGIONS].sort((a, b) => REGION_SHARE[b] - REGION_SHARE[a])
    let k = 0
    while (k < n) {
      for (const r of order) {
        if (k >= n) break
        const next = real[r][picked[r].length]
        if (next) {
          picked[r].push(next)
          k++
        }
      }
    }
  } else {
    for (const r of REGIONS) picked[r] = [...real[r]]
    let extra = n - totalReal
    // Synthetic cities go to the regions in proportion to their share.
    const counts = REGIONS.map((r) => ({ r, c: Math.floor((n - totalReal) * REGION_SHARE[r]) }))
    extra -= counts.reduce((a, x) => a + x.c, 0)
    for (let i = 0; extra > 0; i = (i + 1) % counts.length, extra--) (counts[i] as { c: number }).c++
    for (const { r, c } of counts)
      for (let i = 0; i < c; i++) {
        const base = real[r][Math.floor(rand() * real[r].length)] as { lat: number; lon: number }
        picked[r].push({ id: `${r}-${i + 1}`, lat: base.lat + (rand() - 0.5) * 6, lon: base.lon + (rand() - 0.5) * 6, doSite: false })
      }
  }
  const out: Location[] = []
  const present = REGIONS.filter((r) => picked[r].length > 0)
  const shareSum = present.reduce((a, r) => a + REGION_SHARE[r], 0)
  for (const r of present) {
    const ws = picked[r].map((_, k) => 1 / (k + 1) ** ZIPF)
    const wsum = ws.reduce((a, b) => a + b, 0)
    picked[r].forEach((c, k) => {
      out.push({ id: c.id, region: r, lat: c.lat, lon: c.lon, share: (REGION_SHARE[r] / shareSum) * ((ws[k] as number) / wsum), doSite: c.doSite })
    })
  }
  // A quick run may pick no city that hosts objects: the biggest one does then.
  if (!out.some((l) => l.doSite)) (out[0] as { doSite: boolean }).doSite = true
  return out
}

/** Great-circle distance (km), haversine on a 6,371 km sphere. */
export function distanceKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * 6371 * Math.asin(Math.min(1, Math.sqrt(h)))
}

/** The world the simulation runs on: locations, the RTT matrix, object placement. */
export class World {
  readonly p: ModelParams
  readonly locations: readonly Location[]
  readonly byId: ReadonlyMap<string, Location>
  /** Round-trip ms between locations i and j (symmetric). */
  readonly rtt: readonly Float64Array[]
  readonly #index: Map<string, number>
  readonly doSites: readonly Location[]

  constructor(p: ModelParams, extraSites: readonly Location[] = []) {
    this.p = p
    const locs = buildLocations(p.locations, p.seed)
    // The origin's site is a location of the model even when a quick run does not send traffic from it.
    for (const e of extraSites) if (!locs.some((l) => l.id === e.id)) locs.push(e)
    this.locations = locs
    this.byId = new Map(locs.map((l) => [l.id, l]))
    this.#index = new Map(locs.map((l, i) => [l.id, i]))
    this.rtt = locs.map((a) => Float64Array.from(locs.map((b) => (a === b ? p.sameLocationRttMs : (2 * distanceKm(a, b) * p.routeFactor) / p.fiberKmPerMs + p.hopBaseMs))))
    this.doSites = locs.filter((l) => l.doSite)
  }

  rttMs(a: string, b: string): number {
    const i = this.#index.get(a)
    const j = this.#index.get(b)
    if (i === undefined || j === undefined) throw new Error(`unknown location ${a} or ${b}`)
    return (this.rtt[i] as Float64Array)[j] as number
  }

  /** The object site nearest to `from` (by RTT). */
  nearestDoSite(from: string): Location {
    let best = this.doSites[0] as Location
    for (const s of this.doSites) if (this.rttMs(from, s.id) < this.rttMs(from, best.id)) best = s
    return best
  }

  /**
   * Where a new object lives: per `locationHint`, the hinted region's first object site (sam,
   * afr and me have none: the site nearest the region's biggest city); else the site nearest
   * its first caller (data-location: "created near the first get() caller").
   */
  placeObject(caller: string, hint?: string): Location {
    if (hint && (REGIONS as readonly string[]).includes(hint)) {
      const own = this.doSites.find((s) => s.region === hint)
      if (own) return own
      const big = this.locations.find((l) => l.region === hint)
      if (big) return this.nearestDoSite(big.id)
    }
    return this.nearestDoSite(caller)
  }

  /** Isolates a location runs for its traffic (at least one). */
  isolatesFor(loc: Location): number {
    return Math.max(1, Math.ceil((loc.share * this.p.rps) / this.p.isolateCapacityRps))
  }
}

/** The origin site as a Location (added to quick runs that do not pick it). */
export function originLocation(p: ModelParams): Location {
  for (const r of REGIONS) {
    for (const s of CITIES[r].split(',')) {
      const [code, lat, lon] = s.trim().split(/\s+/) as [string, string, string]
      if (code.replace('*', '') === p.originSite) return { id: p.originSite, region: r, lat: Number(lat), lon: Number(lon), share: 0, doSite: code.endsWith('*') }
    }
  }
  throw new Error(`origin site ${p.originSite} is not a known city`)
}

/**
 * An ApiContext in memory for tests: admin overrides in a Map, pattern edits in a Map, stick
 * tables as MemoryStickTables (memoryTableAccess), stats without traffic. `as(level)` gives a
 * view of the same state at another access level.
 */
import type { ApiContext, ApiLevel, PatternEdits } from '../../../src/api/context.ts'
import { memoryTableAccess, tableSpecs } from '../../../src/api/tables.ts'
import type { AdminPatch, AdminServer } from '../../../src/ops/types.ts'
import type { StatsInput } from '../../../src/stats/input.ts'
import type { RouteMap } from '../../../src/routemap/schema.ts'
import { MemoryStickTable } from '../../../src/state/memory-stick.ts'

export interface MemoryContext extends ApiContext {
  readonly cleared: boolean[]
  readonly admins: Map<string, AdminServer>
  readonly edits: Map<string, readonly (readonly [string, string])[]>
  readonly stickTables: Map<string, MemoryStickTable>
  /** The same state at another level. */
  as(level: ApiLevel): MemoryContext
}

export interface MemoryContextOptions {
  readonly level?: ApiLevel
  /** ms clock (default: a fixed epoch). */
  readonly now?: () => number
  readonly startedAt?: number
}

export function memoryContext(routeMap: RouteMap, opts: MemoryContextOptions = {}): MemoryContext {
  const now = opts.now ?? (() => 1_700_000_000_000)
  const admins = new Map<string, AdminServer>()
  /** `clear counters` calls (true for `all`). */
  const cleared: boolean[] = []
  const edits = new Map<string, readonly (readonly [string, string])[]>()
  const stickTables = new Map([...tableSpecs(routeMap).values()].map((s) => [s.name, new MemoryStickTable(s)]))
  const tables = memoryTableAccess(stickTables, now)
  const patterns: PatternEdits = {
    get: (ref) => edits.get(ref),
    put: async (ref, entries) => {
      edits.set(
        ref,
        entries.map((e) => [e[0], e[1]] as const),
      )
    },
  }
  const admin = (b: string, s: string): AdminServer | undefined => admins.get(`${b}/${s}`)
  const make = (level: ApiLevel): MemoryContext => ({
    routeMap,
    level,
    admins,
    edits,
    stickTables,
    tables,
    patterns,
    admin,
    stats: async (): Promise<StatsInput> => ({
      routeMap,
      now: now(),
      startedAt: opts.startedAt ?? now(),
      counters: () => undefined,
      health: () => undefined,
      admin,
      isolates: 1,
    }),
    setAdmin: async (b: string, s: string, patch: AdminPatch) => {
      const cur: Record<string, unknown> = { ...(admins.get(`${b}/${s}`) ?? {}) }
      for (const [k, v] of Object.entries(patch)) {
        if (v === null) delete cur[k]
        else if (v !== undefined) cur[k] = v
      }
      admins.set(`${b}/${s}`, { ...(cur as Omit<AdminServer, 'changedAt'>), changedAt: now() })
    },
    clearCounters: async (all: boolean) => {
      cleared.push(all)
    },
    cleared,
    as: make,
  })
  return make(opts.level ?? 'admin')
}

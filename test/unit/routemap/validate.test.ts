/**
 * The RouteMap validator (src/routemap/validate.ts) and the stored-version check built on it
 * (src/routemap/kv.ts parseStoredRouteMap): every compiled example passes; garbage maps whose
 * declared hash matches their content are refused with the JSON path of the bad field; a content
 * that does not hash to its declared hash is refused; the walk stays fast on a big map.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { engineNames } from '../../../src/engine/known-names.ts'
import { contentHash, parseStoredRouteMap } from '../../../src/routemap/kv.ts'
import type { RouteMap } from '../../../src/routemap/schema.ts'
import { type Fields, formatValidationError, MAX_JSON_DEPTH, obj, opt, str, validateRouteMap } from '../../../src/routemap/validate.ts'
import { cfg, compile, FIXTURES } from '../../helpers/cfg.ts'

const ROOT = join(import.meta.dirname, '..', '..', '..')
const NAMES = engineNames()

/** Every config of examples/ and test/fixtures/seed/, compiled (map files from the seed's maps/). */
function examples(): [string, RouteMap][] {
  const out: [string, RouteMap][] = []
  for (const dir of [join(ROOT, 'examples'), join(FIXTURES, 'seed')]) {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.cfg'))) {
      const r = compileConfig([{ name: f, text: readFileSync(join(dir, f), 'utf8') }], {
        readFile: (p) => {
          try {
            return readFileSync(join(FIXTURES, 'seed', 'maps', p.split('/').pop() ?? ''), 'utf8')
          } catch {
            return undefined
          }
        },
      })
      if (!r.routeMap) throw new Error(`${f} does not compile: ${r.diagnostics.map((d) => d.message).join('; ')}`)
      out.push([f, r.routeMap])
    }
  }
  return out
}

const BASE = cfg`
  defaults
    mode http
    timeout client 5s
  frontend fe
    bind :80
    acl api path_beg /api
    http-request deny if api
    http-request set-header X-A 1
    default_backend be
  backend be
    balance roundrobin
    stick-table type ip size 1k expire 10s store http_req_rate(10s)
    http-request track-sc0 src
    server s1 127.0.0.1:9000 check
`

function base(): Record<string, unknown> {
  const rm = compile(BASE).routeMap
  if (!rm) throw new Error('does not compile')
  return JSON.parse(JSON.stringify(rm)) as Record<string, unknown>
}

/** An `src` test whose IPv4 list is the packed text `v4` (src/routemap/packed.ts). */
function ipTest(v4: string): unknown {
  return { sample: { fetch: 'src', args: [], conv: [] }, match: 'ip', icase: false, data: { v4, v4m: [], v6: [] }, patternCount: 1, origin: { file: 'x.cfg', line: 1 } }
}

type Path = readonly (string | number)[]
const DELETE = Symbol('delete')

/** Sets (or deletes) the field at `path` of a parsed map. */
function put(root: unknown, path: Path, value: unknown): void {
  let o = root as Record<string | number, unknown>
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>
  const last = path[path.length - 1] as string | number
  if (value === DELETE) delete o[last]
  else o[last] = value
}

/** The map with the field at `path` set, its declared hash recomputed over the edited content (a "matching" hash). */
function garbage(path: Path, value: unknown): string {
  const m = base()
  put(m, path, value)
  return JSON.stringify({ ...m, hash: contentHash(m) })
}

function refusal(text: string): string {
  const hash = (JSON.parse(text) as { hash: string }).hash
  const r = parseStoredRouteMap(text, hash, NAMES)
  if (typeof r !== 'string') throw new Error('accepted')
  return r
}

describe('RouteMap validation', () => {
  it.each(examples())('the compiled RouteMap of %s is valid, names included', (_f, rm) => {
    expect(validateRouteMap(rm, NAMES)).toBeUndefined()
    expect(contentHash(rm as unknown as Record<string, unknown>)).toBe(rm.hash)
    expect(typeof parseStoredRouteMap(JSON.stringify(rm), rm.hash, NAMES)).toBe('object')
  })

  it('accepts the base map as stored', () => {
    const text = garbage(['sources'], ['test.cfg'])
    expect(typeof parseStoredRouteMap(text, (JSON.parse(text) as { hash: string }).hash, NAMES)).toBe('object')
  })

  it.each<[string, Path, unknown, string]>([
    ['a wrong type', ['frontends', 0, 'name'], 42, '$.frontends[0].name: expected a string, found number'],
    ['a missing field', ['backends', 0, 'servers'], DELETE, "$.backends[0]: missing field 'servers'"],
    ['a field the schema lacks', ['backends', 0, 'servers', 0, 'evil'], true, '$.backends[0].servers[0].evil: unknown field'],
    ['an unknown balance algorithm', ['backends', 0, 'balance'], { algo: 'fastest' }, '$.backends[0].balance.algo: expected one of "roundrobin"'],
    ['a balance parameter of the wrong type', ['backends', 0, 'balance'], { algo: 'random', draws: '2' }, '$.backends[0].balance.draws: expected an integer'],
    ['a rule with an action the engine lacks', ['frontends', 0, 'httpRequest', 1, 'action'], 'rm -rf', '$.frontends[0].httpRequest[1].action: unknown action "rm -rf"'],
    ['a rule with arguments that are not an object', ['frontends', 0, 'httpRequest', 1, 'args'], 'x', '$.frontends[0].httpRequest[1].args: expected an object'],
    ['a condition naming an ACL the proxy lacks', ['frontends', 0, 'httpRequest', 0, 'cond', 'or', 0, 0, 'acl'], 7, '$.frontends[0].httpRequest[0].cond.or[0][0].acl: ACL index 7 out of range'],
    ['an unknown match method', ['frontends', 0, 'acls', 0, 'tests', 0, 'match'], 'psychic', '$.frontends[0].acls[0].tests[0].match: unknown match method "psychic"'],
    ['an unknown sample fetch', ['frontends', 0, 'acls', 0, 'tests', 0, 'sample', 'fetch'], 'nope', '$.frontends[0].acls[0].tests[0].sample.fetch: unknown sample fetch "nope"'],
    ['a stick table of an unknown type', ['backends', 0, 'stickTable', 'type'], 'float', '$.backends[0].stickTable.type: expected one of'],
    ['a stick table size that is not a number', ['backends', 0, 'stickTable', 'size'], null, '$.backends[0].stickTable.size: expected an integer, found null'],
    ['a server weight of Infinity (stored as null)', ['backends', 0, 'servers', 0, 'weight'], Number.POSITIVE_INFINITY, '$.backends[0].servers[0].weight: expected an integer, found null'],
    ['frontends that are not an array', ['frontends'], { 0: {} }, '$.frontends: expected an array, found object'],
    ['a map entry that is not a string', ['maps'], { 'm.map': [['a', 'b']] }, '$.maps["m.map"][0]: expected a string, found array'],
    ['a map key without its value', ['maps'], { 'm.map': ['a', 'b', 'c'] }, '$.maps["m.map"]: expected keys and values in turn, found an odd count (3)'],
    ['a packed address list that is not base64', ['frontends', 0, 'acls', 0, 'tests', 0], ipTest('!!!!'), '$.frontends[0].acls[0].tests[0].data.v4: bad packed range list: not base64'],
    [
      'a packed address list cut in the middle of a number',
      ['frontends', 0, 'acls', 0, 'tests', 0],
      ipTest('gA=='),
      '$.frontends[0].acls[0].tests[0].data.v4: bad packed range list: truncated or oversized varint',
    ],
    ['a log-format part of no known shape', ['frontends', 0, 'accessLog'], [{ bogus: 1 }], "$.frontends[0].accessLog[0]: expected an object with one of 'lit', 'expr', 'alias'"],
  ])('refuses %s, naming the JSON path', (_what, path, value, message) => {
    expect(refusal(garbage(path, value))).toContain(`invalid RouteMap: ${message}`)
  })

  it('refuses free-form JSON nested deeper than the bound (rule arguments, pattern data)', () => {
    // 5,000 levels (built as text: JSON.stringify would overflow first); refused before it is hashed.
    const m = base()
    put(m, ['frontends', 0, 'httpRequest', 1, 'args', 'deep'], 'DEEP')
    const text = JSON.stringify(m).replace('"DEEP"', `${'['.repeat(5000)}1${']'.repeat(5000)}`)
    expect(refusal(text)).toContain(`$.frontends[0].httpRequest[1].args.deep: nested deeper than ${MAX_JSON_DEPTH} levels`)
    let ok: unknown = 1
    for (let i = 0; i < MAX_JSON_DEPTH - 1; i++) ok = [ok]
    expect(validateRouteMap(JSON.parse(garbage(['frontends', 0, 'acls', 0, 'tests', 0, 'data'], ok)), NAMES)).toBeUndefined()
  })

  it('refuses a map whose content does not hash to its declared (and the pointer’s) hash', () => {
    const good = base()
    const tampered = base()
    put(tampered, ['backends', 0, 'retries'], 9)
    const text = JSON.stringify(tampered)
    expect(parseStoredRouteMap(text, good.hash as string, NAMES)).toMatch(/^content hashes to [0-9a-f]{12}, not to its declared/)
    // The pointer's hash is checked too.
    expect(parseStoredRouteMap(JSON.stringify(good), 'f'.repeat(64), NAMES)).toMatch(/does not match the pointer's/)
  })

  it('formats paths with odd keys as bracketed strings', () => {
    const e = validateRouteMap(JSON.parse(garbage(['frontends', 0, 'errorfiles'], { 'a b': 5 })))
    expect(e && formatValidationError(e)).toBe('$.frontends[0].errorfiles["a b"]: expected a string, found number')
  })

  it('the tables are typed by the schema: a missing or unknown field is a type error', () => {
    interface T {
      readonly a: string
      readonly b?: string
    }
    // @ts-expect-error: 'b' is missing from the table
    obj<T>({ a: str })
    // @ts-expect-error: 'b' is optional in T, so its check must be opt(...)
    obj<T>({ a: str, b: str })
    // @ts-expect-error: 'c' is not a field of T
    obj<T>({ a: str, b: opt(str), c: str })
    const ok: Fields<T> = { a: str, b: opt(str) }
    expect(validateRouteMap({})).toEqual({ path: '$', message: "missing field 'schema'" })
    expect(Object.keys(ok)).toEqual(['a', 'b'])
  })

  it('validates and hashes a big RouteMap (≈14 MB of patterns and maps) in a small multiple of JSON.parse', () => {
    const m = base()
    const entries: string[] = []
    for (let i = 0; i < 200_000; i++) entries.push(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `value-${i}-${'x'.repeat(20)}`)
    put(m, ['maps'], { '/etc/haproxy/big.map': entries })
    const data: string[] = []
    for (let i = 0; i < 200_000; i++) data.push(`/path/segment/${i}/${'y'.repeat(10)}`)
    put(m, ['frontends', 0, 'acls', 0, 'tests', 0, 'data'], { list: data })
    const text = JSON.stringify({ ...m, hash: contentHash(m) })
    expect(text.length).toBeGreaterThan(14_000_000)
    const t0 = performance.now()
    JSON.parse(text)
    const parseMs = performance.now() - t0
    const t1 = performance.now()
    const r = parseStoredRouteMap(text, (JSON.parse(text) as { hash: string }).hash, NAMES)
    const checkMs = performance.now() - t1
    expect(typeof r).toBe('object')
    // Parse + validate + canonical JSON + SHA-256 of 14 MB: generous bounds, no tight timing.
    expect(checkMs).toBeLessThan(Math.max(40 * parseMs, 5000))
    const t2 = performance.now()
    expect(validateRouteMap(r, NAMES)).toBeUndefined()
    expect(performance.now() - t2).toBeLessThan(Math.max(10 * parseMs, 1000))
  })
})

describe('RouteMaps of schema 1 (before packed lists and flat maps)', () => {
  /** A schema-2 map written as schema 1 wrote it: pairs in `maps`, its hash over that content. */
  function asSchema1(rm: RouteMap, tamper = false): string {
    const { hash: _h, ...body } = rm
    const pairs: Record<string, [string, string][]> = {}
    for (const [k, flat] of Object.entries(rm.maps)) {
      const p: [string, string][] = []
      for (let i = 0; i < flat.length; i += 2) p.push([flat[i] as string, flat[i + 1] as string])
      pairs[k] = p
    }
    const v1 = { ...body, schema: 'edgeproxy.routemap/1', maps: pairs }
    const hash = contentHash(v1)
    return JSON.stringify({ ...v1, hash, ...(tamper ? { sources: ['tampered.cfg'] } : {}) })
  }
  const MAPPED = cfg`
    defaults
      mode http
    frontend fe
      bind :80
      http-request set-header X-B %[path,map_beg(/etc/m.map,none)]
      default_backend be
    backend be
      server s 192.0.2.1:80
  `

  it('are still read, their maps made flat, so a rollback to one keeps working', () => {
    const rm = compile(MAPPED, { files: { '/etc/m.map': '/api be_api\n/ be_web\n' } }).routeMap as RouteMap
    const text = asSchema1(rm)
    const hash = (JSON.parse(text) as { hash: string }).hash
    const r = parseStoredRouteMap(text, hash, NAMES)
    if (typeof r === 'string') throw new Error(r)
    expect(r.schema).toBe('edgeproxy.routemap/2')
    expect(r.hash).toBe(hash)
    expect(r.maps['/etc/m.map']).toEqual(['/api', 'be_api', '/', 'be_web'])
  })

  it('are refused when their content does not hash to their hash', () => {
    const rm = compile(MAPPED, { files: { '/etc/m.map': '/api be_api\n' } }).routeMap as RouteMap
    const text = asSchema1(rm, true)
    expect(parseStoredRouteMap(text, (JSON.parse(text) as { hash: string }).hash, NAMES)).toMatch(/^content hashes to/)
    expect(refusal(JSON.stringify({ ...JSON.parse(text), maps: { m: [['a']] } }))).toContain('expected [key, value] pairs')
  })
})

/**
 * HAProxy's own configs against `edgeproxy check`: every `haproxy … -conf { … }` block of the
 * reg-tests of haproxy/haproxy at v2.6.0 (see ./regtests.ts) goes through `haproxy -c` and
 * edgeproxy's compiler. A disagreement passes only when edgeproxy refuses a config HAProxy accepts
 * for features on the reviewed list (./review.ts); the compiler never throws.
 *
 * The configs are HAProxy's, so they are extracted from a haproxy/haproxy checkout at test time
 * (HAPROXY_SRC, or the search tool's mirror) instead of being committed; without one the suite is
 * skipped and says so.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { fileLoader } from '../../src/cli/files.ts'
import { compileConfig } from '../../src/config/compile.ts'
import type { Diagnostic } from '../../src/config/diagnostics.ts'
import { haveHaproxy } from '../diff/harness.ts'
import { extractRegtests, findHaproxySource, type RegtestConfig } from './regtests.ts'
import { REVIEWED } from './review.ts'

const src = findHaproxySource()
const enabled = src !== undefined && haveHaproxy()
if (!enabled) console.warn('reg-test corpus skipped: set HAPROXY_SRC to a haproxy/haproxy git checkout with tag v2.6.0, and install haproxy')

interface Verdict {
  readonly config: RegtestConfig
  readonly haproxy: boolean
  readonly edgeproxy: boolean
  readonly errors: readonly Diagnostic[]
}

function verdicts(): Verdict[] {
  const out = mkdtempSync(join(tmpdir(), 'edgeproxy-regtests-'))
  const configs = extractRegtests(src as string, out)
  return configs.map((config) => {
    // exit 2: "Configuration file has no error but will not start (no listener)".
    const h = spawnSync('haproxy', ['-c', '-f', config.file, ...config.args], { encoding: 'utf8', timeout: 30_000 })
    const r = compileConfig([{ name: config.file, text: readFileSync(config.file, 'utf8') }], { env: (n) => process.env[n], readFile: fileLoader([config.file]) })
    return { config, haproxy: h.status === 0 || h.status === 2, edgeproxy: r.errorCount === 0, errors: r.diagnostics.filter((d) => d.severity === 'error') }
  })
}

describe.skipIf(!enabled)('HAProxy 2.6 reg-test configs: haproxy -c vs edgeproxy check', () => {
  let all: Verdict[] = []
  beforeAll(() => {
    all = verdicts()
  }, 300_000)

  it('extracts the configs of every reg-test', () => {
    expect(all.length).toBeGreaterThan(200)
  })

  it('HAProxy accepts what vtest expects it to accept and refuses the -conf-BAD blocks', () => {
    expect(all.filter((v) => v.haproxy !== (v.config.expect === 'ok')).map((v) => v.config.id)).toEqual([])
  })

  it('every config HAProxy refuses is refused by edgeproxy', () => {
    expect(all.filter((v) => !v.haproxy && v.edgeproxy).map((v) => v.config.id)).toEqual([])
  })

  it('every config HAProxy accepts passes edgeproxy check, or is refused only for reviewed features', () => {
    const unreviewed = all
      .filter((v) => v.haproxy && !v.edgeproxy)
      .flatMap((v) =>
        v.errors.filter((e) => !REVIEWED.some((r) => r.match.test(e.message))).map((e) => `${v.config.id} (${v.config.vtc}:${v.config.line}) line ${e.span.line}: ${e.code}: ${e.message}`),
      )
    expect(unreviewed).toEqual([])
  })

  it('reports the agreement figure', () => {
    const accepted = all.filter((v) => v.haproxy)
    const both = accepted.filter((v) => v.edgeproxy)
    const byFeature = new Map<string, number>()
    for (const v of accepted.filter((x) => !x.edgeproxy)) {
      for (const f of new Set(v.errors.map((e) => REVIEWED.find((r) => r.match.test(e.message))?.feature ?? 'unreviewed'))) byFeature.set(f, (byFeature.get(f) ?? 0) + 1)
    }
    console.log(
      `reg-test corpus: ${all.length} configs; haproxy -c accepts ${accepted.length}; edgeproxy check accepts ${both.length} of those; refused for: ${[...byFeature].map(([f, n]) => `${f} ${n}`).join(', ')}`,
    )
    expect(both.length).toBeGreaterThan(0)
  })
})

/**
 * @module
 * HAProxy's own configs as a corpus for the compiler: the `haproxy NAME … -conf { … }` blocks of
 * the reg-tests (reg-tests/**\/*.vtc) of a haproxy/haproxy git checkout at a tag (v2.6.0), with
 * vtest's macros replaced by loopback addresses and ports, and the files they name (maps, ACL
 * lists, certificates, error pages, Lua) extracted beside them.
 *
 * The configs are not committed (they are HAProxy's files, not ours): `extractRegtests` writes
 * them under an output folder each time, from the checkout named by HAPROXY_SRC or found at a
 * known mirror path. Each config keeps its provenance (vtc path, block index, line, tag).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, posix } from 'node:path'

/** The reg-test tag the corpus is taken from. */
export const REGTEST_TAG = 'v2.6.0'

/** One extracted config. */
export interface RegtestConfig {
  /** `http-rules/acl_cli_spaces.vtc#1`: the vtc path under reg-tests and the block's index. */
  readonly id: string
  readonly vtc: string
  /** 1-based line of the `haproxy … -conf` line in the vtc. */
  readonly line: number
  /** `haproxy h1`'s instance name. */
  readonly instance: string
  /** What vtest expects: `-conf` and `-conf-OK` start, `-conf-BAD` must be refused. */
  readonly expect: 'ok' | 'bad'
  /** Extra haproxy arguments from `-arg "…"` (e.g. `-L A`, the local peer name). */
  readonly args: readonly string[]
  /** Absolute path of the config file written. */
  readonly file: string
}

/** Where a haproxy/haproxy checkout may be: HAPROXY_SRC, or the search tool's mirror. */
export function findHaproxySource(): string | undefined {
  const candidates = [process.env.HAPROXY_SRC, '/work/.mirror/haproxy+haproxy/repo'].filter((p): p is string => !!p)
  for (const c of candidates) {
    try {
      execFileSync('git', ['--git-dir', gitDir(c), 'rev-parse', '--verify', '--quiet', `${REGTEST_TAG}^{commit}`], { stdio: 'pipe' })
      return c
    } catch {
      // not a checkout with the tag
    }
  }
  return undefined
}

function gitDir(p: string): string {
  return existsSync(join(p, '.git')) ? join(p, '.git') : p
}

function git(src: string, args: readonly string[]): string {
  return execFileSync('git', ['--git-dir', gitDir(src), ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })
}

function gitBytes(src: string, args: readonly string[]): Buffer {
  return execFileSync('git', ['--git-dir', gitDir(src), ...args], { maxBuffer: 64 << 20 })
}

const CONF_LINE = /^\s*haproxy\s+(\S+)\s+(.*?)-conf(-OK|-BAD)?\s+(\{\}\s+)?\{\s*$/

/**
 * The config text of a block opened on `lines[start]` (its `{` ends the line): lines up to the
 * `}` that balances it, counting braces outside quotes as vtest's tokenizer does.
 */
function blockAt(lines: readonly string[], start: number): { text: string[]; end: number } {
  let depth = 1
  const out: string[] = []
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i] as string
    let inQuote = false
    for (let k = 0; k < l.length; k++) {
      const c = l[k]
      if (c === '\\') {
        k++
        continue
      }
      if (c === '"') inQuote = !inQuote
      else if (!inQuote && c === '{') depth++
      else if (!inQuote && c === '}') {
        depth--
        if (depth === 0) {
          out.push(l.slice(0, k))
          return { text: out, end: i }
        }
      }
    }
    out.push(l)
  }
  return { text: out, end: lines.length }
}

/** Replaces vtest's macros; unknown ones (`${HAPROXY_TEST_TIMEOUT-5s}`) are left for HAProxy. */
function substitute(text: string, ports: Map<string, number>, nextPort: () => number, testdir: string, tmpdir: string): string {
  const port = (name: string): number => {
    let p = ports.get(name)
    if (p === undefined) {
      p = nextPort()
      ports.set(name, p)
    }
    return p
  }
  return text
    .replace(/fd@\$\{(\w+)\}/g, (_m, n: string) => `127.0.0.1:${port(`fd:${n}`)}`)
    .replace(/\$\{testdir\}/g, testdir)
    .replace(/\$\{tmpdir\}/g, tmpdir)
    .replace(/\$\{(\w+)_addr\}/g, '127.0.0.1')
    .replace(/\$\{(\w+)_port\}/g, (_m, n: string) => String(port(`srv:${n}`)))
    .replace(/\$\{(\w+)_sock\}/g, (_m, n: string) => `127.0.0.1:${port(`sock:${n}`)}`)
    .replace(/\$\{(\w+)_pid\}/g, '1')
}

/**
 * Writes every config of the reg-tests at REGTEST_TAG under `out/configs`, their support files
 * under `out/files`, and returns the list. Ports are numbered from `basePort` so that a config's
 * binds do not collide with another's.
 */
export function extractRegtests(src: string, out: string, basePort = 40_000): RegtestConfig[] {
  // `MODE TYPE SHA\tPATH`; mode 120000 is a symbolic link whose blob is the target path.
  const tree = git(src, ['ls-tree', '-r', REGTEST_TAG, 'reg-tests'])
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [meta, path] = l.split('\t') as [string, string]
      return { path, link: meta.startsWith('120000') }
    })
  const files = tree.map((t) => t.path)
  const filesDir = join(out, 'files')
  const tmpdir = join(out, 'tmp')
  mkdirSync(join(out, 'configs'), { recursive: true })
  mkdirSync(tmpdir, { recursive: true })
  for (const { path: f, link } of tree) {
    if (f.endsWith('.vtc')) continue
    const dest = join(filesDir, f)
    mkdirSync(dirname(dest), { recursive: true })
    const target = link
      ? posix.join(
          posix.dirname(f),
          gitBytes(src, ['show', `${REGTEST_TAG}:${f}`])
            .toString()
            .trim(),
        )
      : f
    writeFileSync(dest, gitBytes(src, ['show', `${REGTEST_TAG}:${target}`]))
  }
  const configs: RegtestConfig[] = []
  let p = basePort
  const nextPort = (): number => p++
  for (const vtc of files.filter((f) => f.endsWith('.vtc')).sort()) {
    const lines = git(src, ['show', `${REGTEST_TAG}:${vtc}`]).split('\n')
    const rel = vtc.replace(/^reg-tests\//, '')
    const testdir = join(filesDir, dirname(vtc))
    const ports = new Map<string, number>()
    let index = 0
    for (let i = 0; i < lines.length; i++) {
      const m = CONF_LINE.exec(lines[i] as string)
      if (!m) continue
      index++
      const { text, end } = blockAt(lines, i)
      const flags = m[2] ?? ''
      const args = [...(/(^|\s)-W(\s|$)/.test(flags) ? ['-W'] : []), ...[...flags.matchAll(/-arg\s+"([^"]*)"/g)].flatMap((a) => (a[1] ?? '').split(/\s+/).filter(Boolean))]
      const id = `${rel}#${index}`
      const file = join(out, 'configs', `${rel.replace(/\//g, '__').replace(/\.vtc$/, '')}__${index}.cfg`)
      const body = `# ${REGTEST_TAG}:reg-tests/${rel} line ${i + 1} (haproxy ${m[1]})\n${substitute(dedent(text).join('\n'), ports, nextPort, testdir, tmpdir)}\n`
      writeFileSync(file, body)
      configs.push({ id, vtc: rel, line: i + 1, instance: m[1] as string, expect: m[3] === '-BAD' ? 'bad' : 'ok', args, file })
      i = end
    }
  }
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify({ tag: REGTEST_TAG, configs }, null, 1)}\n`)
  return configs
}

function dedent(lines: readonly string[]): string[] {
  const ind = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0))
  return lines.map((l) => l.slice(Number.isFinite(ind) ? ind : 0))
}

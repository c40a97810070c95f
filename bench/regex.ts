/**
 * The cost of linear-time regexes (src/util/regex) against V8's RegExp, in one run: for common
 * patterns, the engine compileRegex picks (native where backtracking is provably linear) and the
 * Pike VM forced, as ratios to RegExp on the same inputs; then the ReDoS case.
 * Run: node bench/regex.ts (figures in BENCHMARKS.md, "Regular expressions").
 */
import { pcreToJs } from '../src/sample/match/pcre.ts'
import { compileRegex } from '../src/util/regex/index.ts'

const INPUTS = ['/api/v1/users/42', '/static/img/logo.png', 'www.example.com', '/index.html?x=1', 'cdn.example.com', '/assets/app.css']
const PATTERNS = ['^/api/', '\\.(jpg|png|css)$', '^/static/.*', '^(www\\.)?example\\.com$', '(?i)^/admin', '\\.example\\.com$', '.*\\.example\\.com$']

function time(f: (s: string) => boolean): number {
  const t0 = performance.now()
  for (let k = 0; k < 20_000; k++) for (const s of INPUTS) f(s)
  return (performance.now() - t0) / (20_000 * INPUTS.length)
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

console.log('| pattern | engine picked | RegExp ns/test | picked / RegExp | Pike VM / RegExp |')
console.log('| --- | --- | --- | --- | --- |')
for (const p of PATTERNS) {
  const j = pcreToJs(p, false)
  if (!('source' in j)) throw new Error(j.error)
  const picked = compileRegex(j.source, j.flags)
  const pike = compileRegex(j.source, j.flags, { native: 'never' })
  if (!picked.ok || !pike.ok) throw new Error(p)
  const native = new RegExp(j.source, j.flags)
  const n: number[] = []
  const a: number[] = []
  const b: number[] = []
  for (let round = 0; round < 7; round++) {
    n.push(time((s) => native.test(s)))
    a.push(time((s) => picked.regex.test(s)))
    b.push(time((s) => pike.regex.test(s)))
  }
  const base = median(n)
  console.log(`| \`${p}\` | ${picked.regex.engine} | ${(base * 1e6).toFixed(0)} | ${(median(a) / base).toFixed(2)} | ${(median(b) / base).toFixed(1)} |`)
}

const evil = pcreToJs('^/(a+)+$', false)
if (!('source' in evil)) throw new Error(evil.error)
const re = compileRegex(evil.source, evil.flags)
if (!re.ok) throw new Error(re.error)
for (const n of [30, 5000]) {
  const s = `/${'a'.repeat(n)}!`
  const xs: number[] = []
  for (let round = 0; round < 7; round++) {
    const t0 = performance.now()
    re.regex.test(s)
    xs.push(performance.now() - t0)
  }
  console.log(`path_reg ^/(a+)+$ on / + ${n} a's + !: ${median(xs).toFixed(3)} ms (${re.regex.engine})`)
}

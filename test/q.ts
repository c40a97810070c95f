import { compileRegex } from '/work/wt/regex/src/util/regex/index.ts'
import { pcreToJs } from '/work/wt/regex/src/sample/match/pcre.ts'
const j = pcreToJs('^/(a+)+$', false) as any
const r = compileRegex(j.source, j.flags)
if (!r.ok) throw 1
console.log(r.regex.engine, j.source)
for (const n of [30, 5000, 60000]) {
  const s = '/' + 'a'.repeat(n) + '!'
  let t = performance.now(); for (let k=0;k<10;k++) r.regex.test(s); const a = (performance.now()-t)/10
  t = performance.now(); for (let k=0;k<10;k++) r.regex.exec(s); const b = (performance.now()-t)/10
  console.log(n, a.toFixed(3), b.toFixed(3))
}
const benign = '/index.html'
let t = performance.now(); for (let k=0;k<1000;k++) r.regex.test(benign); console.log('benign', ((performance.now()-t)/1000).toFixed(4))
for (const p of ['^/api/', '\\.(jpg|png|css)$', '^/static/.*', '^(www\\.)?example\\.com$', '.*\\.example\\.com$', '^/(a+)+$', '(?i)^/admin']) {
  const jj = pcreToJs(p, false) as any
  const rr = compileRegex(jj.source, jj.flags), ll = compileRegex(jj.source, jj.flags, {native:'never'})
  if (!rr.ok || !ll.ok) throw 2
  const inputs = ['/api/v1/users', '/static/img/logo.png', 'www.example.com', '/index.html?x=1', 'cdn.example.com']
  const time = (f: (s: string) => boolean) => { const t0 = performance.now(); for (let k=0;k<20000;k++) for (const s of inputs) f(s); return (performance.now()-t0) }
  const nat = new RegExp(jj.source, jj.flags)
  time((s)=>nat.test(s)); time((s)=>ll.regex.test(s))
  const a = time((s)=>nat.test(s)), b = time((s)=>rr.regex.test(s)), c = time((s)=>ll.regex.test(s))
  console.log(p, rr.regex.engine, 'native', (a/1e5*1e6).toFixed(0)+'ns', 'chosen', (b/a).toFixed(2)+'x', 'pike', (c/a).toFixed(1)+'x')
}

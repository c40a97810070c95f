import { compileRegex } from '/work/wt/regex/src/util/regex/index.ts'
import { pcreToJs } from '/work/wt/regex/src/sample/match/pcre.ts'
const j = pcreToJs('^/(a+)+$', false) as any
const r = compileRegex(j.source, j.flags)
if (!r.ok) throw 1
const s = '/' + 'a'.repeat(5000) + '!'
for (let k=0;k<50;k++) r.regex.test(s)
const t = performance.now(); for (let k=0;k<50;k++) r.regex.test(s); console.log(((performance.now()-t)/50).toFixed(3), 'ms per test')

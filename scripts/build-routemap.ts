// Compiles examples/haproxy.cfg into src/routemap/embedded.json, the Worker's embedded default
// RouteMap (npm run build:routemap). A test fails when the two drift apart.
import { readFileSync, writeFileSync } from 'node:fs'
import { compileConfig } from '../src/config/compile.ts'

const path = 'examples/haproxy.cfg'
const r = compileConfig([{ name: path, text: readFileSync(new URL(`../${path}`, import.meta.url), 'utf8') }])
if (!r.routeMap) {
  console.error(`${path} does not compile: run 'npx edgeproxy check -f ${path}'`)
  process.exit(1)
}
writeFileSync(new URL('../src/routemap/embedded.json', import.meta.url), `${JSON.stringify(r.routeMap, null, 1)}\n`)

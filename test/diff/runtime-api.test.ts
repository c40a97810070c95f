/**
 * The runtime API against HAProxy 2.6's stats socket: the same config runs under `haproxy -f`
 * (commands sent over its unix socket with Node's net module) and through runCommands with the
 * in-memory ApiContext built from the same config; outputs must be equal byte for byte, after
 * masking what cannot match (entry pointers, `exp=` countdowns, edgeproxy's `shard=`, and the
 * ACL references HAProxy's internal httpclient proxy adds). State-changing commands run in the
 * same order on both, so later reads compare their effect.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCommands } from '../../src/api/run.ts'
import { compileConfig } from '../../src/config/compile.ts'
import { type MemoryContext, memoryContext } from '../unit/api/memory-context.ts'
import { diffEnabled, freePort } from './harness.ts'

const enabled = diffEnabled()

const CONFIG = (dir: string, port: number) => `global
    stats socket ${dir}/admin.sock level admin
    stats socket ${dir}/user.sock level user
    nbthread 1

defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    retries 0

frontend fe
    bind 127.0.0.1:${port}
    stick-table type ip size 200k expire 30s store http_req_rate(10s),gpc0,http_req_cnt,conn_cur
    http-request track-sc0 src
    acl is_api path_beg /api
    acl blocked src 10.0.0.0/8 192.168.1.1
    acl exact path /a /b
    acl suffix path_end .css .js
    http-request set-header X-Be %[path,map_beg(${dir}/paths.map,be1)]
    http-request set-header X-Host %[req.hdr(host),map(${dir}/hosts.map)]
    http-request set-header X-Net %[src,map_ip(${dir}/nets.map,none)]
    http-request set-header X-Num %[path,map_str_int(${dir}/ints.map,0)]
    use_backend be2 if is_api
    default_backend be1

backend be1
    balance roundrobin
    server s1 127.0.0.1:19001 weight 10
    server s2 127.0.0.1:19002

backend be2
    balance source
    server a 127.0.0.1:19003 weight 20

backend st
    stick-table type string len 32 size 1k store gpc0,http_req_rate(5s)
`

const FILES = {
  'paths.map': '/api be2\n/static be1\n/api/v2 be3\n',
  'hosts.map': 'a.example.com be1\nb.example.com be2\n',
  'nets.map': '10.0.0.0/8 ten\n10.1.0.0/16 ten-one\n192.168.1.1 host\n',
  'ints.map': '/one 1\n/two 2\n',
}

/** Sends one command line to a unix stats socket; resolves with everything it answers. */
function socketCommand(path: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const s = connect(path, () => s.end(line.endsWith('\n') ? line : `${line}\n`))
    s.on('data', (d: Buffer) => chunks.push(d))
    s.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    s.on('error', reject)
  })
}

/** Masks what differs by nature: pointers, expiry countdowns, shards, httpclient's ACLs. */
function mask(s: string): string {
  return s
    .replace(/0x[0-9a-f]+/g, '0xPTR')
    .replace(/ exp=\d+/g, ' exp=N')
    .replace(/ shard=\d+/g, '')
    .replace(/^\d+ \(\) acl 'var' file 'httpclient' line 0\..*\n/gm, '')
}

/** The commands, in order (state changes included): each output is compared. */
const ADMIN_COMMANDS: readonly string[] = [
  // parsing, unknown commands, help
  'show backend',
  'show backend;show backend',
  'show\\ backend',
  'get weight be1/s1 ; get weight be1/s2',
  'show backend;quit;show backend',
  'prompt;get weight be1/s1;prompt;get weight be1/s2',
  // server commands and their errors
  'get weight be1/s1',
  'get weight be1/#2',
  'get weight be1',
  'get weight nob/x',
  'get weight be1/zz',
  'set weight be1/s1',
  'set weight be1/s1 abc',
  'set weight be1/s1 10x',
  'set weight be1/s1 -5%',
  'set weight be1/s1 300',
  'set weight be1/s1 50%',
  'get weight be1/s1',
  'set server be1/s2 weight 7',
  'get weight be1/s2',
  'set weight be2/a 10',
  'set weight be2/a 0%',
  'get weight be2/a',
  'set weight be2/a 100%',
  'get weight be2/a',
  'set server be1',
  'set server /s1',
  'set server nob/s1 state ready',
  'set server be1/zz state ready',
  'set server be1/s1 state',
  'set server be1/s1 state drain',
  'set server be1/s1 state ready',
  'set server be1/s1 health x',
  'set server be1/s1 health down',
  'set server be1/s1 agent up',
  'set server be1/s1 foo',
  'set server be1/s1 addr',
  'set server be1/s1 addr 300.1.1.1',
  'set server be1/s1 addr 127.0.0.1',
  'set server be1/s1 addr 127.0.0.5 port 19009',
  'set server be1/s1 addr 127.0.0.5 port 19009',
  'set server be1/s1 addr ::1',
  'enable health be1/s1',
  'disable health be1/s1',
  'disable server be1/s2',
  'enable server be1/s2',
  'show servers state nob',
  // maps
  'show map',
  'show map nofile',
  'show map #99',
  `show map @DIR@/paths.map`,
  'get map @DIR@/paths.map /api/x',
  'get map @DIR@/paths.map /api/v2/x',
  'get map @DIR@/paths.map /zz',
  'get map @DIR@/paths.map',
  'get map @DIR@/hosts.map b.example.com',
  'add map @DIR@/paths.map /new be9',
  'add map @DIR@/paths.map /new',
  'add map',
  'show map @DIR@/paths.map',
  'add map @DIR@/paths.map <<\n/p1 be1\n/p2   be2 x\n\n',
  'add map @DIR@/paths.map <<\n/p4\n\n',
  'show map @DIR@/paths.map;get map @DIR@/paths.map /p2/x',
  'set map @DIR@/paths.map /api be7',
  'set map @DIR@/paths.map /nope be7',
  'set map @DIR@/paths.map k',
  'get map @DIR@/paths.map /api/x',
  'del map @DIR@/paths.map /nope',
  'del map @DIR@/paths.map /static',
  'del map @DIR@/paths.map #0x1234',
  'del map @DIR@/paths.map #0xzz',
  'show map @DIR@/paths.map',
  'show map',
  'clear map @DIR@/hosts.map',
  'show map @DIR@/hosts.map',
  'clear map',
  'clear map nofile',
  'get map @DIR@/nets.map 10.1.2.3',
  'get map @DIR@/nets.map 10.9.2.3',
  'get map @DIR@/nets.map 192.168.1.1',
  'get map @DIR@/nets.map 8.8.8.8',
  'add map @DIR@/nets.map notanip x',
  'add map @DIR@/nets.map 10.1.2.0/24 ten-one-two',
  'get map @DIR@/nets.map 10.1.2.3',
  'show map @DIR@/nets.map',
  'get map @DIR@/ints.map /two',
  'add map @DIR@/ints.map /three x',
  'add map @DIR@/ints.map /three 3',
  'set map @DIR@/ints.map /one y',
  'set map @DIR@/ints.map /one 11',
  'show map @DIR@/ints.map',
  'get map @DIR@/ints.map /one',
  // acls
  'show acl',
  'show acl #0',
  'show acl #1',
  'add acl #1 172.16.0.0/12',
  'get acl #1 172.16.5.5',
  'get acl #1 10.1.1.1',
  'del acl #1 192.168.1.1',
  'get acl #1 192.168.1.1',
  'show acl #1',
  'show acl #2',
  'show acl #99',
  'get acl #0 /api/x',
  'get acl #0 /x',
  'get acl #3 /app.css',
  'get acl #2 /b',
  'get acl #2',
  'add acl #2 /c',
  'show acl #2',
  'get acl #2 /c',
  'add acl #2',
  'add acl #4 x',
  'del acl #2 /a',
  'del acl #2 /zz',
  'del acl #99 x',
  'del acl #2',
  'show acl #2',
  'clear acl #2',
  'show acl #2',
  'show acl',
  'clear acl',
  'clear acl #4',
  // tables
  'show table',
  'show table nope',
  'show table fe foo',
  'show table fe key',
  'show table fe data.foo gt 0',
  'show table fe data.gpc0 xx 1',
  'show table fe data.gpc0 gt',
  'show table fe data.gpc0 gt abc',
  'set table fe key 10.0.0.1 data.gpc0 5 data.http_req_cnt 3',
  'set table fe key 10.0.0.2 data.gpc0 1',
  'set table fe key 10.0.0.1 data.nope 5',
  'set table fe key 10.0.0.1 data.gpc0',
  'set table fe key 10.0.0.1 data.gpc0 x',
  'set table fe key',
  'set table fe data.gpc0 1',
  'set table st key abc data.gpc0 2',
  'show table',
  'show table fe',
  'show table fe key 10.0.0.1',
  'show table fe key 10.9.9.9',
  'show table fe data.gpc0 gt 2',
  'show table st',
  'clear table fe key 10.0.0.1',
  'clear table fe key 10.9.9.9',
  'clear table nope',
  'clear table',
  'show table fe',
  'clear table fe data.gpc0 eq 1',
  'show table fe',
  'set table st key xyz data.gpc0 1',
  'clear table st',
  'show table st',
]

const USER_COMMANDS: readonly string[] = [
  'get weight be1/s1',
  'set weight be1/s1 5',
  'set server be1/s1 state drain',
  'disable server be1/s1',
  'show backend',
  'show table',
  'show table fe',
  'set table fe key 10.0.0.3 data.gpc0 1',
  'get map #4 /api',
]

describe.skipIf(!enabled)('runtime API vs HAProxy 2.6 stats socket', () => {
  let child: ChildProcess | undefined
  let dir = ''
  let ctx: MemoryContext
  let port = 0

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'diff-runtime-api-'))
    for (const [f, c] of Object.entries(FILES)) writeFileSync(join(dir, f), c)
    port = await freePort()
    const text = CONFIG(dir, port)
    writeFileSync(join(dir, 'haproxy.cfg'), text)
    const r = compileConfig([{ name: 'haproxy.cfg', text }], { readFile: (p) => (p.startsWith(`${dir}/`) ? FILES[p.slice(dir.length + 1) as keyof typeof FILES] : undefined) })
    if (!r.routeMap) throw new Error(r.diagnostics.map((d) => d.message).join('\n'))
    ctx = memoryContext(r.routeMap, { now: () => Date.now() })
    child = spawn('haproxy', ['-db', '-f', 'haproxy.cfg'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    for (let i = 0; i < 100; i++) {
      try {
        await socketCommand(join(dir, 'admin.sock'), 'show backend')
        return
      } catch {
        await new Promise((res) => setTimeout(res, 100))
      }
    }
    throw new Error('haproxy did not open its stats socket')
  })

  afterAll(() => {
    if (child?.pid) process.kill(-child.pid, 'SIGKILL')
  })

  it('answers admin commands like HAProxy, byte for byte', async () => {
    const h: string[] = []
    const e: string[] = []
    for (const raw of ADMIN_COMMANDS) {
      const line = raw.replaceAll('@DIR@', dir)
      h.push(`${raw}\n${mask(await socketCommand(join(dir, 'admin.sock'), line)).replaceAll(dir, '@DIR@')}`)
      e.push(`${raw}\n${mask(await runCommands(line.endsWith('\n') ? line : `${line}\n`, ctx)).replaceAll(dir, '@DIR@')}`)
    }
    expect(e).toEqual(h)
  })

  it('shows the entries that requests tracked', async () => {
    const fe = ctx.stickTables.get('fe')
    if (!fe) throw new Error('no table fe')
    for (let i = 0; i < 3; i++) {
      await fetch(`http://127.0.0.1:${port}/x${i}`).then((r) => r.arrayBuffer())
      const e = fe.touch('127.0.0.1', Date.now())
      if (e) fe.apply(e, [{ op: 'request' }, { op: 'end' }], Date.now())
    }
    for (const line of ['show table fe', 'show table fe key 127.0.0.1', 'show table fe data.http_req_cnt ge 3', 'show table fe data.http_req_rate lt 3']) {
      const h = mask(await socketCommand(join(dir, 'admin.sock'), line))
      expect({ line, out: mask(await runCommands(`${line}\n`, ctx)) }).toEqual({ line, out: h })
    }
  })

  it('answers user-level commands like HAProxy', async () => {
    const user = ctx.as('user')
    const h: string[] = []
    const e: string[] = []
    for (const line of USER_COMMANDS) {
      h.push(`${line}\n${mask(await socketCommand(join(dir, 'user.sock'), line))}`)
      e.push(`${line}\n${mask(await runCommands(`${line}\n`, user))}`)
    }
    expect(e).toEqual(h)
  })
})

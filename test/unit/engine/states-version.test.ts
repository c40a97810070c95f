/**
 * The balancers keep their usable-server sets while the states' version stays the same, and
 * rebuild them when it moves (a new health snapshot, an admin command): a server drained or
 * put back is seen on the next request after the version changes, through the admin overlay.
 */
import { describe, expect, it } from 'vitest'
import { compileConfig } from '../../../src/config/compile.ts'
import { createEngine } from '../../../src/engine/index.ts'
import type { ServerStates } from '../../../src/engine/server-states.ts'
import { withAdmin } from '../../../src/ops/admin-states.ts'
import type { AdminServer } from '../../../src/ops/types.ts'
import { httpConfig } from '../../helpers/cfg.ts'

function engineWith(states: ServerStates) {
  const r = compileConfig([{ name: 't.cfg', text: httpConfig('', 'balance roundrobin\nserver s1 192.0.2.1:80\nserver s2 192.0.2.2:80') }])
  if (!r.routeMap) throw new Error('config does not compile')
  return createEngine(r.routeMap, { states })
}

async function served(e: ReturnType<typeof engineWith>, n: number): Promise<string[]> {
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const d = await e.decide({ method: 'GET', url: 'http://x/', headers: [], src: '192.0.2.9' })
    out.push(d.kind === 'forward' ? d.server.name : 'none')
  }
  return [...new Set(out)].sort()
}

describe('ServerStates.version', () => {
  it('rebuilds the usable set when the version moves, through withAdmin', async () => {
    const admin: Record<string, AdminServer> = {}
    const healthVersion = 0
    let adminVersion = 0
    const base: ServerStates = { isUp: () => true, isUsable: () => true, version: () => healthVersion }
    const e = engineWith(
      withAdmin(
        base,
        (b, s) => admin[`${b}/${s}`],
        () => adminVersion,
      ),
    )
    expect(await served(e, 4)).toEqual(['s1', 's2'])
    admin['be/s2'] = { state: 'drain', changedAt: 0 }
    adminVersion++
    expect(await served(e, 4)).toEqual(['s1'])
    delete admin['be/s2']
    adminVersion++
    expect(await served(e, 4)).toEqual(['s1', 's2'])
  })

  it('without a version, every request reads the states', async () => {
    let down = false
    const e = engineWith({ isUp: (_b, s) => !(down && s === 's1'), isUsable: (_b, s) => !(down && s === 's1') })
    expect(await served(e, 4)).toEqual(['s1', 's2'])
    down = true
    expect(await served(e, 4)).toEqual(['s2'])
  })
})

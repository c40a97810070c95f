import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { hardStopAfter } from '../../../src/cli/dev.ts'
import { DEFAULT_HARD_STOP_MS, drainDeadline, stopInOrder } from '../../../src/dev/shutdown.ts'

describe('the stop of edgeproxy dev', () => {
  it('runs the steps in order and names the one that would pass the deadline, without waiting for it', async () => {
    const ran: string[] = []
    const lines: string[] = []
    const started = Date.now()
    const late = await stopInOrder(
      [
        { name: 'first', run: async () => ran.push('first') },
        { name: 'stuck', run: () => new Promise(() => ran.push('stuck')) },
        { name: 'after', run: async () => ran.push('after') },
      ],
      started + 200,
      (l) => lines.push(l),
    )
    expect(ran).toEqual(['first', 'stuck'])
    expect(late).toEqual(['stuck', 'after'])
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it('reports a step that fails and goes on with the next', async () => {
    const lines: string[] = []
    const ran: string[] = []
    const late = await stopInOrder(
      [
        {
          name: 'the runtime',
          run: async () => {
            throw new Error('workerd is gone')
          },
        },
        { name: 'the demo origins', run: async () => ran.push('origins') },
      ],
      Date.now() + 1000,
      (l) => lines.push(l),
    )
    expect(late).toEqual([])
    expect(ran).toEqual(['origins'])
    expect(lines).toEqual(['edgeproxy dev: stopping the runtime: workerd is gone'])
  })

  it('keeps part of the budget for disposing of the runtime after the requests in flight', () => {
    expect(drainDeadline(0, DEFAULT_HARD_STOP_MS)).toBe(3000)
    expect(drainDeadline(0, 1000)).toBe(500)
    expect(drainDeadline(0, 60_000)).toBe(58_000)
    expect(drainDeadline(0, 0)).toBe(0)
  })

  it("reads the global section's hard-stop-after (units as HAProxy reads them), undefined when unset", () => {
    const dir = mkdtempSync(join(tmpdir(), 'hard-stop-'))
    const file = (name: string, text: string) => {
      const p = join(dir, name)
      writeFileSync(p, text)
      return p
    }
    expect(hardStopAfter([file('a.cfg', 'global\n    hard-stop-after 30s\n\ndefaults\n    mode http\n')])).toBe(30_000)
    expect(hardStopAfter([file('b.cfg', 'global\n    hard-stop-after 250\n')])).toBe(250)
    expect(hardStopAfter([file('c.cfg', 'global\n    nbthread 1\n')])).toBeUndefined()
    // In a section other than global it is not the keyword.
    expect(hardStopAfter([file('d.cfg', 'defaults\n    hard-stop-after 1s\n')])).toBeUndefined()
  })
})

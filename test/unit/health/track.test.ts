/**
 * `track [<backend>/]<server>`: the compiler's checks (server.c `srv_apply_track`, HAProxy's
 * messages) and the data plane following the tracked server's state (withTracking).
 */
import { describe, expect, it } from 'vitest'
import type { ServerStates } from '../../../src/engine/server-states.ts'
import { trackTargets, withTracking } from '../../../src/health/track.ts'
import { cfg, compile, diags } from '../../helpers/cfg.ts'

const errors = (text: string) =>
  diags(compile(text))
    .filter((d) => d.severity === 'error')
    .map((d) => d.message)

describe('track: what the compiler accepts', () => {
  it('refuses what HAProxy refuses, with its words', () => {
    expect(
      errors(cfg`
        defaults
          mode http
        backend be3
          server s1 app.example.com:80 check
          server s3 app.example.com:80 track s4
          server s4 app.example.com:80 track s3
        backend be4
          server s1 app.example.com:80
          server s2 app.example.com:80 track s1
          server s5 app.example.com:80 track nope/s1
          server s6 app.example.com:80 track be3/zz
          server s7 app.example.com:80 check track be3/s1
          server s8 app.example.com:80 agent-check
      `),
    ).toEqual([
      // Servers are applied in order: s3 -> s4 is fine until s4 closes the loop.
      "config : backend 'be3', server 's4': unable to track be3/s3 as it belongs to a tracking chain looping back to be3/s4.",
      "config : backend 'be4', server 's2': unable to use be4/s1 for tracking as it does not have any check nor agent enabled.",
      "config : backend 'be4', server 's5': unable to find required proxy 'nope' for tracking.",
      "config : backend 'be4', server 's6': unable to find required server 'zz' for tracking.",
      "'server be4/s7' : unable to enable checks and tracking at the same time!",
      'server s8 does not have agent port. Agent check has been disabled.',
    ])
  })

  it('accepts a chain across backends and a tracked agent-only server', () => {
    const r = compile(cfg`
      defaults
        mode http
      backend a
        server s1 app.example.com:80 check
        server s2 app.example.com:80 agent-check agent-port 9999
      backend b
        server t1 app.example.com:80 track a/s1
        server t2 app.example.com:80 track t1
        server t3 app.example.com:80 track a/s2
    `)
    expect(diags(r).filter((d) => d.severity === 'error')).toEqual([])
    const map = r.routeMap
    if (!map) throw new Error('no map')
    expect(Object.fromEntries(trackTargets(map))).toEqual({
      'b/t1': { backend: 'a', server: 's1' },
      'b/t2': { backend: 'a', server: 's1' },
      'b/t3': { backend: 'a', server: 's2' },
    })
  })
})

describe('track: the data plane follows the tracked server', () => {
  const map = compile(cfg`
    defaults
      mode http
    backend a
      server s1 app.example.com:80 check
      server s2 app.example.com:81 check
    backend b
      server t1 app.example.com:82 track a/s1
      server t2 app.example.com:83 track t1
      server u app.example.com:84
  `).routeMap
  if (!map) throw new Error('no map')

  function states(down: Set<string>, drained = new Set<string>()): ServerStates {
    return {
      isUp: (b, s) => !down.has(`${b}/${s}`),
      isUsable: (b, s) => !down.has(`${b}/${s}`) && !drained.has(`${b}/${s}`),
      startedAt: (b, s) => (b === 'a' && s === 's1' ? 1234 : undefined),
      version: () => 1,
    }
  }

  it('a tracked server going DOWN takes its trackers (the whole chain) down; others are untouched', () => {
    const up = withTracking(states(new Set()), map)
    expect([up.isUp('b', 't1'), up.isUp('b', 't2'), up.isUsable('b', 't2')]).toEqual([true, true, true])
    const down = withTracking(states(new Set(['a/s1'])), map)
    expect([down.isUp('b', 't1'), down.isUp('b', 't2'), down.isUsable('b', 't1'), down.isUp('b', 'u'), down.isUp('a', 's2')]).toEqual([false, false, false, true, true])
  })

  it('drain is inherited; the tracker keeps its own admin state; slowstart follows the tracked server', () => {
    const t = withTracking(states(new Set(), new Set(['a/s1'])), map)
    expect([t.isUp('b', 't1'), t.isUsable('b', 't1')]).toEqual([true, false])
    const own = withTracking(states(new Set(['b/t1'])), map)
    expect([own.isUp('b', 't1'), own.isUp('b', 't2')]).toEqual([false, true])
    expect(withTracking(states(new Set()), map).startedAt?.('b', 't2')).toBe(1234)
  })

  it('no tracking server: the states are returned as they are', () => {
    const m = compile(cfg`
      defaults
        mode http
      backend a
        server s1 app.example.com:80 check
    `).routeMap
    const base = states(new Set())
    expect(m && withTracking(base, m)).toBe(base)
  })
})

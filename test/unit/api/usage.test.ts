/**
 * The help and "Unknown command" messages: the fingerprint ranking of cli.c run over HAProxy
 * 2.6.12's own command list reproduces its answers byte for byte (haproxy-2.6-usage.json was
 * captured from its stats socket), and the runner prints the same for edgeproxy's commands.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { splitWords } from '../../../src/api/runner.ts'
import { type UsageEntry, updateWordFingerprint, usageMessage, wordFingerprintDistance } from '../../../src/api/usage.ts'

const REAL: Record<string, string> = JSON.parse(readFileSync(join(import.meta.dirname, 'haproxy-2.6-usage.json'), 'utf8'))

/** HAProxy's commands, from its `help` (keywords: the leading words before any argument). */
const HAPROXY: UsageEntry[] = (REAL.help as string)
  .split('\n')
  .slice(1)
  .filter((l) => l.startsWith('  ') && !/^ {2}(help|prompt|quit) /.test(l))
  .map((l) => {
    const usage = l.slice(2)
    const words: string[] = []
    for (const w of usage.split(/\s+/)) {
      if (!w || /^[[<({]/.test(w) || w.startsWith(':') || w.endsWith(':')) break
      words.push(w)
    }
    return { words, usage }
  })

describe('usage messages', () => {
  it('fingerprints like tools.c', () => {
    const a = new Uint8Array(1024)
    const b = new Uint8Array(1024)
    updateWordFingerprint(a, 'stat')
    updateWordFingerprint(b, 'stt')
    // s→t shared; a's t→a, a→t, and b's t→t differ; t→end shared
    expect(wordFingerprintDistance(a, b)).toBe(4)
    expect(wordFingerprintDistance(a, a)).toBe(0)
  })

  for (const cmd of Object.keys(REAL).filter((k) => k !== 'show info json typed')) {
    it(`answers ${JSON.stringify(cmd)} as HAProxy 2.6 over its own command list`, () => {
      expect(`${usageMessage(HAPROXY, splitWords(cmd))}\n`).toBe(REAL[cmd])
    })
  }
})

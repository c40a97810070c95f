/** EbQueue: eb32 order (key, then insertion order for equal keys) under insert, shift and delete. */
import { describe, expect, it } from 'vitest'
import { type EbNode, EbQueue } from '../../../src/balance/eb-queue.ts'

describe('EbQueue', () => {
  it('keeps equal keys in insertion order and takes keys modulo 2^32', () => {
    const q = new EbQueue<string>()
    q.insert(5, 'a')
    q.insert(2 ** 32 + 1, 'b')
    q.insert(5, 'c')
    q.insert(1, 'd')
    expect([q.shift(), q.shift(), q.shift(), q.shift(), q.shift()]).toEqual(['b', 'd', 'a', 'c', undefined])
  })

  it('deletes any entry, once (a second delete is a no-op)', () => {
    const q = new EbQueue<string>()
    const a = q.insert(1, 'a')
    q.insert(2, 'b')
    const c = q.insert(3, 'c')
    q.delete(a)
    q.delete(a)
    q.delete(c)
    expect(q.size).toBe(1)
    expect(q.first()).toBe('b')
  })

  it('matches a sorted list under 5,000 random operations', () => {
    let seed = 7
    const rnd = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff
      return seed % n
    }
    const q = new EbQueue<number>()
    const ref: { key: number; seq: number; node: EbNode<number> }[] = []
    let seq = 0
    for (let i = 0; i < 5000; i++) {
      const op = rnd(3)
      if (op === 0 || ref.length === 0) {
        const key = rnd(20)
        ref.push({ key, seq, node: q.insert(key, seq) })
        seq++
      } else if (op === 1) {
        ref.sort((x, y) => x.key - y.key || x.seq - y.seq)
        expect(q.shift()).toBe(ref.shift()?.seq)
      } else {
        const [gone] = ref.splice(rnd(ref.length), 1)
        if (gone) q.delete(gone.node)
      }
      ref.sort((x, y) => x.key - y.key || x.seq - y.seq)
      expect(q.first()).toBe(ref[0]?.seq)
      expect(q.size).toBe(ref.length)
    }
  })
})

/**
 * @module
 * The part of HAProxy's eb32 trees that lb_fwrr.c uses: insert with a 32-bit unsigned key, read
 * and remove the first entry. An eb32 tree keeps entries with equal keys in insertion order
 * (ebtree.h `__eb_insert_dup` appends to the right), so ties are broken by a global insertion
 * counter. A binary heap is enough because fwrr only ever removes the first entry of a tree.
 */

interface Entry<T> {
  readonly key: number
  readonly seq: number
  readonly value: T
}

export class EbQueue<T> {
  #heap: Entry<T>[] = []
  /** Insertion counter: equal keys come out in the order they went in. */
  #seq = 0

  get size(): number {
    return this.#heap.length
  }

  /** eb32_insert: `key` is taken modulo 2^32, as eb32 keys are unsigned 32-bit. */
  insert(key: number, value: T): void {
    const h = this.#heap
    h.push({ key: key >>> 0, seq: this.#seq++, value })
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(h[i] as Entry<T>, h[p] as Entry<T>)) break
      swap(h, i, p)
      i = p
    }
  }

  /** eb32_first. */
  first(): T | undefined {
    return this.#heap[0]?.value
  }

  /** eb32_delete of the first entry. */
  shift(): T | undefined {
    const h = this.#heap
    const top = h[0]
    const last = h.pop()
    if (!top || !last) return undefined
    if (h.length > 0) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && less(h[l] as Entry<T>, h[m] as Entry<T>)) m = l
        if (r < h.length && less(h[r] as Entry<T>, h[m] as Entry<T>)) m = r
        if (m === i) break
        swap(h, i, m)
        i = m
      }
    }
    return top.value
  }
}

function less<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq)
}

function swap<T>(h: Entry<T>[], i: number, j: number): void {
  const t = h[i] as Entry<T>
  h[i] = h[j] as Entry<T>
  h[j] = t
}

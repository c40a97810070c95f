/**
 * @module
 * The part of HAProxy's eb32 trees that lb_fwrr.c uses: insert with a 32-bit unsigned key, read
 * and remove the first entry, and delete any entry (eb32_delete, when a server goes down or its
 * weight changes). An eb32 tree keeps entries with equal keys in insertion order (ebtree.h
 * `__eb_insert_dup` appends to the right), so ties are broken by a global insertion counter. An
 * indexed binary heap is enough: fwrr only ever reads the first entry of a tree.
 */

/** An entry in the queue: what insert() returns and delete() takes (HAProxy's `lb_node`). */
export interface EbNode<T> {
  readonly key: number
  readonly value: T
}

interface Entry<T> extends EbNode<T> {
  readonly seq: number
  /** Position in the heap, -1 once removed. */
  pos: number
}

export class EbQueue<T> {
  #heap: Entry<T>[] = []
  /** Insertion counter: equal keys come out in the order they went in. */
  #seq = 0

  get size(): number {
    return this.#heap.length
  }

  /** eb32_insert: `key` is taken modulo 2^32, as eb32 keys are unsigned 32-bit. */
  insert(key: number, value: T): EbNode<T> {
    const h = this.#heap
    const e: Entry<T> = { key: key >>> 0, seq: this.#seq++, value, pos: h.length }
    h.push(e)
    this.#up(e.pos)
    return e
  }

  /** eb32_first. */
  first(): T | undefined {
    return this.#heap[0]?.value
  }

  /** eb32_delete of the first entry. */
  shift(): T | undefined {
    const top = this.#heap[0]
    if (!top) return undefined
    this.#removeAt(0)
    return top.value
  }

  /** eb32_delete: removes `node` if it is still in this queue (a no-op otherwise). */
  delete(node: EbNode<T>): void {
    const e = node as Entry<T>
    if (e.pos >= 0 && this.#heap[e.pos] === e) this.#removeAt(e.pos)
  }

  #removeAt(i: number): void {
    const h = this.#heap
    const gone = h[i] as Entry<T>
    const last = h.pop() as Entry<T>
    gone.pos = -1
    if (last === gone) return
    h[i] = last
    last.pos = i
    this.#down(i)
    this.#up(last.pos)
  }

  #up(start: number): void {
    const h = this.#heap
    let i = start
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!less(h[i] as Entry<T>, h[p] as Entry<T>)) break
      swap(h, i, p)
      i = p
    }
  }

  #down(start: number): void {
    const h = this.#heap
    let i = start
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
}

function less<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.key < b.key || (a.key === b.key && a.seq < b.seq)
}

function swap<T>(h: Entry<T>[], i: number, j: number): void {
  const a = h[i] as Entry<T>
  const b = h[j] as Entry<T>
  h[i] = b
  h[j] = a
  a.pos = j
  b.pos = i
}

/**
 * @module
 * An ordered, duplicate-preserving HTTP header list, the shape HAProxy's HTX header blocks have.
 * Names compare case-insensitively; values are kept as received.
 */

export class HeaderList {
  #entries: [string, string][]

  constructor(entries: Iterable<readonly [string, string]> = []) {
    this.#entries = []
    for (const [n, v] of entries) this.#entries.push([n, v])
  }

  /** Every line as [name, value], in order. */
  entries(): readonly (readonly [string, string])[] {
    return this.#entries
  }

  /** Full values of every line named `name`, in order. */
  all(name: string): string[] {
    const lower = name.toLowerCase()
    const out: string[] = []
    const entries = this.#entries
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as [string, string]
      const n = e[0]
      if (n === lower || (n.length === lower.length && n.toLowerCase() === lower)) out.push(e[1])
    }
    return out
  }

  /** Full value of the first line named `name`, or undefined. */
  first(name: string): string | undefined {
    const lower = name.toLowerCase()
    const entries = this.#entries
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i] as [string, string]
      const n = e[0]
      if (n === lower || (n.length === lower.length && n.toLowerCase() === lower)) return e[1]
    }
    return undefined
  }

  has(name: string): boolean {
    return this.first(name) !== undefined
  }

  /** Appends a new line (HAProxy `add-header`). */
  add(name: string, value: string): void {
    this.#entries.push([name, value])
  }

  /** Removes every line named `name`, then appends one (HAProxy `set-header`). */
  set(name: string, value: string): void {
    this.delete(name)
    this.add(name, value)
  }

  /** Removes every line whose name satisfies `test` (or equals `name`). Returns how many went. */
  delete(name: string, test?: (lowerName: string) => boolean): number {
    const lower = name.toLowerCase()
    const match = test ?? ((n: string) => n === lower)
    const before = this.#entries.length
    this.#entries = this.#entries.filter(([n]) => !match(n.toLowerCase()))
    return before - this.#entries.length
  }

  /** Replaces values in place: `fn` returns the new value, or undefined to keep the line. */
  replace(name: string, fn: (value: string) => string | undefined): void {
    const lower = name.toLowerCase()
    for (const e of this.#entries) {
      if (e[0].toLowerCase() !== lower) continue
      const next = fn(e[1])
      if (next !== undefined) e[1] = next
    }
  }

  clone(): HeaderList {
    return new HeaderList(this.#entries)
  }
}

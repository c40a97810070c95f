/**
 * The few host APIs the pure core uses beyond ES2023, declared for tsconfig.core.json only (the
 * Worker, test and bench programs get them from @cloudflare/workers-types and @types/node, and
 * tsconfig.json excludes this file). Each exists alike in Node and workerd; keep the list short:
 * a core module needing more should take it as a parameter instead. See docs/layers.md.
 */

/** UTF-8 encoding (compile-time hashing, header bytes). */
declare class TextEncoder {
  encode(input?: string): Uint8Array
}

/** Decoding bytes to text (`latin1` for binary samples, UTF-8 otherwise). */
declare class TextDecoder {
  constructor(label?: string)
  decode(input?: ArrayBufferView | ArrayBuffer): string
}

/** Parsing absolute-form request targets the fast path does not handle (src/engine/request-state.ts). */
declare class URL {
  constructor(url: string, base?: string)
  readonly protocol: string
  readonly host: string
  readonly hostname: string
  readonly port: string
  readonly pathname: string
  readonly search: string
}

/** Timers: `timeout queue` (src/engine/conn-limit.ts), stick table RPC batching and timeouts (src/state/remote-stick.ts). */
declare function setTimeout(callback: () => void, ms?: number): number
declare function clearTimeout(id: number | undefined): void

/**
 * @module
 * The body of an upgrade request, read off the raw socket. Node's HTTP parser hands an upgrade
 * request over with the bytes that follow its head unparsed; the listener must tell the request's
 * body (passed to the Worker as the request's) from what comes after it (the tunnel's first bytes
 * if the Worker answers 101, else the next request). A `Content-Length` body is that many bytes; a
 * chunked one ends with its last chunk and trailers. The data of a chunked body is passed on
 * de-chunked (the request to the Worker is framed again).
 */

/** Feeds raw bytes in; says when the body is complete and what followed it. */
export interface BodyCutter {
  /** Takes bytes from the socket: the body's part goes to `write`, the rest is kept. */
  push(d: Buffer): void
  /** The body is complete: `rest` holds the bytes after it. */
  readonly done: boolean
  /** The framing is malformed (the connection cannot be read further). */
  readonly failed: boolean
  readonly rest: Buffer
}

/** A chunk-size line longer than this (extensions included) is refused, as a parser's limit. */
const MAX_LINE = 4096

/** A body of `length` bytes. */
export function lengthBody(length: number, write: (d: Buffer) => void): BodyCutter {
  let need = length
  let rest = Buffer.alloc(0)
  return {
    push(d) {
      if (need === 0) {
        rest = Buffer.concat([rest, d])
        return
      }
      const part = d.subarray(0, need)
      need -= part.length
      if (part.length > 0) write(part)
      if (part.length < d.length) rest = Buffer.concat([rest, d.subarray(part.length)])
    },
    get done() {
      return need === 0
    },
    failed: false,
    get rest() {
      return rest
    },
  }
}

type ChunkState = 'size' | 'data' | 'data-end' | 'trailers' | 'done' | 'failed'

/** A `Transfer-Encoding: chunked` body (RFC 9112 §7.1). */
export function chunkedBody(write: (d: Buffer) => void): BodyCutter {
  let state: ChunkState = 'size'
  let line = ''
  let need = 0
  let rest = Buffer.alloc(0)
  const fail = () => {
    state = 'failed'
  }
  /** One line (CRLF or LF ended) of a size line or a trailer, or undefined until it is complete. */
  const takeLine = (d: Buffer, at: number): { text: string; next: number } | undefined => {
    const lf = d.indexOf(0x0a, at)
    const end = lf < 0 ? d.length : lf
    line += d.subarray(at, end).toString('latin1')
    if (line.length > MAX_LINE) {
      fail()
      return undefined
    }
    if (lf < 0) return undefined
    const text = line.replace(/\r$/, '')
    line = ''
    return { text, next: lf + 1 }
  }
  return {
    push(d) {
      let i = 0
      while (i < d.length) {
        if (state === 'done') {
          rest = Buffer.concat([rest, d.subarray(i)])
          return
        }
        if (state === 'failed') return
        if (state === 'data') {
          const part = d.subarray(i, i + need)
          need -= part.length
          i += part.length
          write(part)
          if (need === 0) state = 'data-end'
          continue
        }
        const l = takeLine(d, i)
        if (l === undefined) return
        i = l.next
        if (state === 'data-end') {
          if (l.text !== '') fail()
          else state = 'size'
        } else if (state === 'size') {
          const m = /^([0-9a-fA-F]{1,8})[ \t]*(?:;.*)?$/.exec(l.text)
          if (!m) {
            fail()
            continue
          }
          need = Number.parseInt(m[1] as string, 16)
          state = need === 0 ? 'trailers' : 'data'
        } else if (l.text === '') state = 'done'
      }
    },
    get done() {
      return state === 'done'
    },
    get failed() {
      return state === 'failed'
    },
    get rest() {
      return rest
    },
  }
}

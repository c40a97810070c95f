import { describe, expect, it } from 'vitest'
import { type BodyCutter, chunkedBody, lengthBody } from '../../../src/dev/upgrade-body.ts'

/** Feeds `parts` one by one; returns what reached the body and the cutter. */
function feed(make: (write: (d: Buffer) => void) => BodyCutter, parts: readonly string[]): { body: string; cut: BodyCutter } {
  let body = ''
  const cut = make((d) => {
    body += d.toString('latin1')
  })
  for (const p of parts) cut.push(Buffer.from(p, 'latin1'))
  return { body, cut }
}

describe('the body of an upgrade request, cut from what follows it', () => {
  it('takes Content-Length bytes and keeps the rest, across any split', () => {
    const whole = 'helloGET /next HTTP/1.1\r\n\r\n'
    for (let i = 0; i <= whole.length; i++) {
      const { body, cut } = feed((w) => lengthBody(5, w), [whole.slice(0, i), whole.slice(i)])
      expect(body).toBe('hello')
      expect(cut.done).toBe(true)
      expect(cut.rest.toString('latin1')).toBe('GET /next HTTP/1.1\r\n\r\n')
    }
    expect(feed((w) => lengthBody(0, w), ['abc']).cut.rest.toString()).toBe('abc')
    expect(feed((w) => lengthBody(10, w), ['abc']).cut.done).toBe(false)
  })

  it('de-chunks a chunked body (extensions, trailers, bare LF) and keeps what follows its end, across any split', () => {
    const whole = '5;ext=1\r\nhello\r\n1\nX\n0\r\nTrailer: t\r\n\r\nGET /next HTTP/1.1\r\n\r\n'
    for (let i = 0; i <= whole.length; i++) {
      for (let j = i; j <= whole.length; j += 7) {
        const { body, cut } = feed(chunkedBody, [whole.slice(0, i), whole.slice(i, j), whole.slice(j)])
        expect(body, `${i}/${j}`).toBe('helloX')
        expect(cut.done).toBe(true)
        expect(cut.failed).toBe(false)
        expect(cut.rest.toString('latin1')).toBe('GET /next HTTP/1.1\r\n\r\n')
      }
    }
  })

  it('is not done before the last chunk and its empty line', () => {
    expect(feed(chunkedBody, ['5\r\nhello\r\n']).cut.done).toBe(false)
    expect(feed(chunkedBody, ['5\r\nhello\r\n0\r\n']).cut.done).toBe(false)
    expect(feed(chunkedBody, ['0\r\n\r\n']).cut.done).toBe(true)
  })

  it('fails on a malformed size, data that overruns its chunk, or an endless size line', () => {
    expect(feed(chunkedBody, ['zz\r\n']).cut.failed).toBe(true)
    expect(feed(chunkedBody, ['-1\r\n']).cut.failed).toBe(true)
    expect(feed(chunkedBody, ['2\r\nabc\r\n']).cut.failed).toBe(true)
    expect(feed(chunkedBody, ['123456789\r\n']).cut.failed).toBe(true)
    expect(feed(chunkedBody, ['1'.repeat(5000)]).cut.failed).toBe(true)
  })
})

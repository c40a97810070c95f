import { describe, expect, it } from 'vitest'
import { evalHttpExpect, type HttpResponseView, statusListMatches, toHex } from '../../../src/health/expect.ts'
import { DEFAULT_HTTP_EXPECT } from '../../../src/health/probe-spec.ts'
import { type ExpectRule, standardExpect } from '../../../src/health/probes/rules.ts'
import type { HttpCheckExpect } from '../../../src/routemap/schema.ts'

const res = (status: number, body = '', statusText = ''): HttpResponseView => ({ status, statusText, body, headers: [['content-type', 'text/plain']] })
const ex = (kind: HttpCheckExpect['kind'], pattern: string, negate = false): HttpCheckExpect => ({ kind, pattern, negate })

describe('http-check expect', () => {
  it('default: 2xx and 3xx pass, anything else is L7STS with the reason phrase', () => {
    for (const s of [200, 204, 301, 399]) expect(evalHttpExpect(DEFAULT_HTTP_EXPECT, res(s)).status).toBe('L7OK')
    expect(evalHttpExpect(DEFAULT_HTTP_EXPECT, res(404, '', 'Not Found'))).toEqual({ status: 'L7STS', info: 'Not Found' })
    expect(evalHttpExpect(DEFAULT_HTTP_EXPECT, res(500)).status).toBe('L7STS')
    expect(evalHttpExpect(DEFAULT_HTTP_EXPECT, res(101)).status).toBe('L7STS')
  })

  it('status lists and ranges', () => {
    expect(statusListMatches('200,201,300-310', 201)).toBe(true)
    expect(statusListMatches('200,201,300-310', 305)).toBe(true)
    expect(statusListMatches('200,201,300-310', 311)).toBe(false)
    expect(evalHttpExpect(ex('status', '200'), res(204)).status).toBe('L7STS')
  })

  it('rstatus matches the code as text; ! negates', () => {
    expect(evalHttpExpect(ex('rstatus', '^2[0-9]{2}'), res(250)).status).toBe('L7OK')
    expect(evalHttpExpect(ex('rstatus', '^2[0-9]{2}'), res(302)).status).toBe('L7STS')
    expect(evalHttpExpect(ex('rstatus', '^5', true), res(404)).status).toBe('L7OK')
    expect(evalHttpExpect(ex('rstatus', '^5', true), res(503, '', 'Service Unavailable'))).toEqual({ status: 'L7STS', info: 'Service Unavailable' })
    expect(evalHttpExpect(ex('status', '200-299', true), res(200)).status).toBe('L7STS')
  })

  it('string / rstring look at the body, whatever the status', () => {
    expect(evalHttpExpect(ex('string', 'OK'), res(500, 'all OK')).status).toBe('L7OK')
    expect(evalHttpExpect(ex('string', 'OK'), res(200, 'nope'))).toEqual({ status: 'L7RSP', info: 'HTTP content check did not match' })
    expect(evalHttpExpect(ex('rstring', '"status":\\s*"up"'), res(200, '{"status": "up"}')).status).toBe('L7OK')
    expect(evalHttpExpect(ex('string', 'SQL Error', true), res(200, 'fine')).status).toBe('L7OK')
    expect(evalHttpExpect(ex('string', 'SQL Error', true), res(200, 'a SQL Error b'))).toEqual({ status: 'L7RSP', info: 'HTTP check matched unwanted content' })
    expect(evalHttpExpect(ex('string', 'x'), res(200, ''))).toEqual({ status: 'L7RSP', info: 'HTTP content check could not find a response body' })
  })

  it('hdr/fhdr: names case-insensitive with -m str|beg|end|sub|reg, values per comma-separated item (hdr) or whole (fhdr)', () => {
    const r = (headers: [string, string][], status = 200): HttpResponseView => ({ status, statusText: 'OK', body: '', headers })
    const h = (kind: 'hdr' | 'fhdr', pattern: string, more: Partial<HttpCheckExpect> = {}): HttpCheckExpect => ({ kind, pattern, negate: false, ...more })
    expect(evalHttpExpect(h('hdr', 'Content-Type'), res(200)).status).toBe('L7OK')
    expect(evalHttpExpect(h('hdr', 'x-missing'), res(200, '', 'OK'))).toEqual({ status: 'L7STS', info: 'OK' })
    expect(evalHttpExpect(h('hdr', 'x-begin-', { nameMatch: 'beg' }), r([['x-begin-foo', '1']])).status).toBe('L7OK')
    expect(evalHttpExpect(h('hdr', '-end', { nameMatch: 'end' }), r([['x-foo-end', '1']])).status).toBe('L7OK')
    expect(evalHttpExpect(h('hdr', '-sub-', { nameMatch: 'sub' }), r([['x-sub-y', '1']])).status).toBe('L7OK')
    expect(evalHttpExpect(h('hdr', '^x-[a-z]+$', { nameMatch: 'reg' }), r([['x-abc', '1']])).status).toBe('L7OK')
    expect(evalHttpExpect(h('hdr', '^x-[a-z]+$', { nameMatch: 'reg' }), r([['x-ab1', '1']])).status).toBe('L7STS')
    // hdr splits the value on commas; fhdr compares the whole value.
    const v = r([['x-test1', 'true, next value']])
    expect(evalHttpExpect(h('hdr', 'x-test1', { value: { match: 'str', pattern: 'true' } }), v).status).toBe('L7OK')
    expect(evalHttpExpect(h('fhdr', 'x-test1', { value: { match: 'str', pattern: 'true' } }), v).status).toBe('L7STS')
    expect(evalHttpExpect(h('fhdr', 'x-test1', { value: { match: 'str', pattern: 'true, next value' } }), v).status).toBe('L7OK')
    expect(evalHttpExpect(h('hdr', 'x-test1', { value: { match: 'end', pattern: 'value' } }), v).status).toBe('L7OK')
    expect(evalHttpExpect(h('hdr', 'x-test1', { value: { match: 'reg', pattern: '^n.*e$' } }), v).status).toBe('L7OK')
    // Values are case-sensitive; `!` negates; a failed header rule is L7STS with the reason.
    expect(evalHttpExpect(h('hdr', 'x-test1', { value: { match: 'str', pattern: 'TRUE' } }), v).status).toBe('L7STS')
    expect(evalHttpExpect(h('hdr', 'x-test1', { negate: true }), v)).toEqual({ status: 'L7STS', info: 'OK' })
  })

  it('error-status and a literal on-error replace the failure status and info', () => {
    const e: HttpCheckExpect = { kind: 'status', pattern: '200', negate: false, errorStatus: 'L7RSP', onError: 'not ready' }
    expect(evalHttpExpect(e, res(503, '', 'Service Unavailable'))).toEqual({ status: 'L7RSP', info: 'not ready' })
  })
})

function judge(rule: ExpectRule, data: string | Uint8Array, lastRead = true, isLast = true): unknown {
  const buf = typeof data === 'string' ? new TextEncoder().encode(data) : data
  return rule.evaluate({ buf, lastRead, isLast })
}

describe('tcp-check expect', () => {
  it('string: substring; waits while fewer bytes than the pattern arrived; generic messages name the step', () => {
    const r = standardExpect(3, { kind: 'string', pattern: '+PONG', negate: false }, true)
    expect(judge(r, '+PO', false)).toEqual({ kind: 'wait' })
    expect(judge(r, 'xx+PONG\r\n')).toEqual({ kind: 'continue', status: 'L7OK', info: '(tcp-check)' })
    expect(judge(r, 'xx+PONG\r\n', true, false)).toEqual({ kind: 'continue' })
    expect(judge(r, '-ERR boom')).toEqual({ kind: 'fail', status: 'L7RSP', info: "TCPCHK did not match content '+PONG' at step 3" })
    expect(judge(r, '')).toEqual({ kind: 'fail', status: 'L7RSP', info: 'TCPCHK got an empty response at step 3' })
  })

  it('without min-recv a mismatch waits for more data until the end; with min-recv it is conclusive', () => {
    const r = standardExpect(1, { kind: 'rstring', pattern: '^OK', negate: false }, true)
    expect(judge(r, 'NO', false)).toEqual({ kind: 'wait' })
    const m = standardExpect(1, { kind: 'rstring', pattern: '^OK', negate: false, minRecv: 2 }, true)
    expect(judge(m, 'N', false)).toEqual({ kind: 'wait' })
    expect(judge(m, 'NO', false)).toMatchObject({ kind: 'fail', info: 'TCPCHK did not match content (regex) at step 1' })
  })

  it('! negates: matching the pattern fails with "matched unwanted content"', () => {
    const r = standardExpect(2, { kind: 'rstring', pattern: '^-ERR', negate: true }, true)
    expect(judge(r, '+OK')).toMatchObject({ kind: 'continue', status: 'L7OK' })
    expect(judge(r, '-ERR nope')).toEqual({ kind: 'fail', status: 'L7RSP', info: 'TCPCHK matched unwanted content (regex) at step 2' })
  })

  it('binary matches bytes; rbinary matches the uppercase hex dump', () => {
    const bin = standardExpect(1, { kind: 'binary', pattern: '2b504f4e47', negate: false }, true)
    expect(judge(bin, '+PONG')).toMatchObject({ kind: 'continue' })
    expect(judge(bin, '-PONG')).toMatchObject({ kind: 'fail', info: 'TCPCHK did not match content (binary) at step 1' })
    expect(toHex(Uint8Array.of(0x16, 0x03, 0xab))).toBe('1603AB')
    const rbin = standardExpect(1, { kind: 'rbinary', pattern: '^1[56]', negate: false, minRecv: 5, okStatus: 'L6OK', errorStatus: 'L6RSP' }, false)
    expect(judge(rbin, Uint8Array.of(0x16, 0x03, 0x00, 0x00, 0x10))).toEqual({ kind: 'continue', status: 'L6OK', info: '' })
    expect(judge(rbin, Uint8Array.of(0x48, 0x54, 0x54, 0x50, 0x2f))).toEqual({ kind: 'fail', status: 'L6RSP', info: '' })
  })
})

/**
 * @module
 * Capture slots at run time (http_ana.c http_capture_headers): the frontend's `capture request
 * header` slots are filled from the request as received, before any rule runs; `capture response
 * header` slots from the server's response before http-response rules. For each slot the last
 * header line of that name wins, cut to the slot's length. Rules and converters store with
 * `storeCapture` (src/sample/types.ts).
 */
import type { CaptureSlot, Captures } from '../routemap/schema.ts'
import type { HeaderList } from '../sample/headers.ts'
import type { CaptureView } from '../sample/types.ts'

export function newCaptureView(c: Captures): CaptureView {
  return {
    request: new Array(c.request.length).fill(undefined),
    response: new Array(c.response.length).fill(undefined),
    requestLen: c.request.map((s) => s.len),
    responseLen: c.response.map((s) => s.len),
  }
}

/** Fills the header slots of `slots` from `headers`. */
export function captureHeaders(slots: readonly CaptureSlot[], headers: HeaderList, out: (string | undefined)[]): void {
  for (let i = 0; i < slots.length; i++) {
    const s = slots[i] as CaptureSlot
    if (s.header === undefined) continue
    const values = headers.all(s.header)
    const last = values[values.length - 1]
    if (last !== undefined) out[i] = last.slice(0, s.len)
  }
}

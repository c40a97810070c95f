/**
 * @module
 * Capture fetches (http_fetch.c): `capture.req.hdr(idx)` / `capture.res.hdr(idx)` read the
 * frontend's capture slots; `capture.req.method|uri|ver` read the request line as received (so
 * they work in responses and are not changed by rules); `capture.res.ver` the response's version.
 */
import type { ArgSpec, FetchDef } from '../types.ts'
import { argInt, BOTH, RES, str } from './util.ts'

const IDX: readonly ArgSpec[] = [{ kind: 'int' }]

export const CAPTURE_FETCHES: readonly FetchDef[] = [
  {
    name: 'capture.req.hdr',
    args: IDX,
    output: 'str',
    phases: BOTH,
    doc: "the value in request capture slot <idx> ('capture request header', 'declare capture'); slots count from 0",
    build: (args) => {
      const i = argInt(args, 0) ?? -1
      return (ctx) => {
        const v = ctx.captures?.request[i]
        return v === undefined ? undefined : str(v)
      }
    },
  },
  {
    name: 'capture.res.hdr',
    args: IDX,
    output: 'str',
    phases: BOTH,
    doc: "the value in response capture slot <idx> ('capture response header', 'declare capture response')",
    build: (args) => {
      const i = argInt(args, 0) ?? -1
      return (ctx) => {
        const v = ctx.captures?.response[i]
        return v === undefined ? undefined : str(v)
      }
    },
  },
  {
    name: 'capture.req.method',
    args: [],
    output: 'str',
    phases: BOTH,
    doc: 'the method of the request line as received',
    build: () => (ctx) => (ctx.received ? str(ctx.received.method) : undefined),
  },
  {
    name: 'capture.req.uri',
    args: [],
    output: 'str',
    phases: BOTH,
    doc: 'the URI of the request line as received, from the first slash',
    build: () => (ctx) => (ctx.received ? str(ctx.received.target) : undefined),
  },
  {
    name: 'capture.req.ver',
    args: [],
    output: 'str',
    phases: BOTH,
    doc: "the request's HTTP version as received ('HTTP/1.1')",
    build: () => (ctx) => (ctx.received ? str(`HTTP/${ctx.received.version}`) : undefined),
  },
  {
    name: 'capture.res.ver',
    args: [],
    output: 'str',
    phases: RES,
    doc: "the response's HTTP version ('HTTP/1.1': fetch() does not expose the origin's)",
    build: () => (ctx) => (ctx.response ? str('HTTP/1.1') : undefined),
  },
]

/**
 * @module
 * `capture-req(<id>)` / `capture-res(<id>)` (sample.c smp_conv_req_capture): store the string in
 * the frontend's capture slot <id> and pass it on unchanged; a missing slot captures nothing.
 */
import { type ConverterDef, storeCapture } from '../types.ts'
import { argInt } from '../fetches/util.ts'

const capture =
  (dir: 'request' | 'response'): ConverterDef['build'] =>
  (args) => {
    const id = argInt(args, 0) ?? -1
    return (input, ctx) => {
      if (input.type === 'str') storeCapture(ctx.captures, dir, id, input.value)
      return input
    }
  }

export const CAPTURE_CONVERTERS: readonly ConverterDef[] = [
  { name: 'capture-req', args: [{ kind: 'int' }], input: ['str'], output: 'str', doc: 'stores the string in request capture slot <id> and returns it unchanged', build: capture('request') },
  { name: 'capture-res', args: [{ kind: 'int' }], input: ['str'], output: 'str', doc: 'stores the string in response capture slot <id> and returns it unchanged', build: capture('response') },
]

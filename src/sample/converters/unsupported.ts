/**
 * @module
 * HAProxy 2.6 converter keywords the edge does not provide, listed so a configuration using them
 * gets "not supported" with the reason instead of "unknown converter".
 */
import type { ConverterDef } from '../types.ts'

const LIST: readonly (readonly [string, string])[] = [
  ['aes_gcm_dec', 'AES-GCM needs crypto.subtle, which is asynchronous; converters run synchronously'],
  ['jwt_verify', 'signature checks need crypto.subtle, which is asynchronous; converters run synchronously'],
  ['ungrpc', 'not supported yet: gRPC bodies are not buffered'],
  ['protobuf', 'not supported yet: protocol buffers decoding is not implemented'],
  ['fix_is_valid', 'TCP content inspection (FIX protocol): the edge receives HTTP only'],
  ['fix_tag_value', 'TCP content inspection (FIX protocol): the edge receives HTTP only'],
  ['mqtt_is_valid', 'TCP content inspection (MQTT): the edge receives HTTP only'],
  ['mqtt_field_value', 'TCP content inspection (MQTT): the edge receives HTTP only'],
]

export const UNSUPPORTED_CONVERTERS: readonly ConverterDef[] = LIST.map(([name, why]) => ({
  name,
  args: [],
  input: ['bool', 'int', 'str', 'bin', 'ip', 'meth'],
  output: 'same',
  unsupported: why,
  doc: why,
  build: () => () => undefined,
}))

/**
 * @module
 * `edgeproxy api [--url URL] [--token TOKEN] "COMMAND"`: HAProxy runtime API commands against a
 * Worker (`POST URL/.edgeproxy/api`), printing HAProxy's output as is. Without `--url`/`--token`
 * it uses EDGEPROXY_API_URL / EDGEPROXY_API_TOKEN, else the running `edgeproxy dev` (which
 * writes its address and token to `<persist-to>/edgeproxy-api.json`). Commands may also come on
 * standard input (`-`), one per line, like `socat stdio` on a stats socket.
 */
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { API_PATH } from '../ops/api-http.ts'
import type { ParsedArgs } from './args.ts'
import { UsageError } from './args.ts'
import type { Io } from './compile-files.ts'
import { DEFAULT_PERSIST_TO } from './versions.ts'

export const DEV_API_FILE = 'edgeproxy-api.json'

export interface DevApiInfo {
  readonly url: string
  readonly token: string
}

export function devApiFile(persistTo: string): string {
  return join(resolve(persistTo), DEV_API_FILE)
}

function readDevInfo(persistTo: string): DevApiInfo | undefined {
  try {
    return JSON.parse(readFileSync(devApiFile(persistTo), 'utf8')) as DevApiInfo
  } catch {
    return undefined
  }
}

async function stdinText(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

export async function apiCommand(args: ParsedArgs, io: Io): Promise<number> {
  const words = args.positionals
  const commands = words.length === 1 && words[0] === '-' ? await stdinText() : words.join(' ')
  const dev = readDevInfo(args.string('persist-to') ?? DEFAULT_PERSIST_TO)
  const base = args.string('url') ?? process.env.EDGEPROXY_API_URL ?? dev?.url
  if (!base) throw new UsageError("no Worker to talk to: give '--url URL' (or set EDGEPROXY_API_URL), or start 'edgeproxy dev'")
  const token = args.string('token') ?? process.env.EDGEPROXY_API_TOKEN ?? dev?.token
  const url = new URL(API_PATH, base.endsWith('/') ? base : `${base}/`)
  let res: Response
  try {
    res = await fetch(url, { method: 'POST', body: commands, headers: { 'content-type': 'text/plain', ...(token ? { authorization: `Bearer ${token}` } : {}) } })
  } catch (e) {
    io.err(`edgeproxy api: cannot reach ${url.href}: ${String((e as Error).cause ?? e)}`)
    return 1
  }
  const body = await res.text()
  if (res.status !== 200) {
    io.err(`edgeproxy api: ${url.href} answered ${res.status}${body.trim() ? `: ${body.trim()}` : ''}`)
    return 1
  }
  process.stdout.write(body)
  return 0
}

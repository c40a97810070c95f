/**
 * @module
 * `stats socket PATH [level L]` under `edgeproxy dev`: a Unix (or `ip:port`) socket speaking
 * HAProxy's CLI protocol, relaying each command line to the Worker's runtime API, so
 * `echo "show stat" | socat stdio PATH` works as with HAProxy. Non-interactive by default (one
 * line, its output, close); `prompt` switches to interactive mode (`> ` prompt, `quit` closes).
 */
import { existsSync, lstatSync, unlinkSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'

export type RunCommands = (commands: string, level: string) => Promise<string>

export interface StatsSocket {
  readonly where: string
  /** Stops accepting and ends every session (an interactive one included) at once. */
  close(): Promise<void>
}

/** `ipv4@1.2.3.4:99`, `1.2.3.4:99` or `:99` → TCP; anything else is a Unix socket path. */
function tcpAddress(path: string): { host: string; port: number } | undefined {
  const p = path.replace(/^(ipv4|ipv6|tcp|tcp4|tcp6)@/, '')
  const m = /^(.*):(\d+)$/.exec(p)
  if (!m || p.startsWith('/') || p.startsWith('unix@')) return undefined
  return { host: (m[1] as string).replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(m[2]) }
}

function serve(sock: Socket, level: string, run: RunCommands): void {
  let buf = ''
  let interactive = false
  let busy = Promise.resolve()
  let done = false
  const finish = () => {
    if (done) return
    done = true
    sock.end()
  }
  const handle = async (line: string): Promise<void> => {
    if (done) return
    const cmd = line.trim()
    if (cmd === 'prompt') {
      interactive = !interactive
      if (interactive) sock.write('\n> ')
      else finish()
      return
    }
    if (cmd === 'quit') return finish()
    if (cmd === '' && interactive) {
      sock.write('\n> ')
      return
    }
    const out = cmd === '' ? '' : await run(cmd, level)
    if (done) return
    sock.write(out)
    if (interactive) sock.write('> ')
    else finish()
  }
  sock.setEncoding('utf8')
  sock.on('data', (d: string) => {
    buf += d
    let i = buf.indexOf('\n')
    while (i >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      busy = busy.then(() => handle(line))
      i = buf.indexOf('\n')
    }
  })
  sock.on('end', () => {
    const rest = buf
    buf = ''
    busy = busy.then(() => (rest.trim() ? handle(rest) : undefined)).then(finish)
  })
  sock.on('error', () => {
    done = true
  })
}

export function openStatsSocket(path: string, level: string, run: RunCommands): Promise<StatsSocket> {
  // allowHalfOpen: `echo … | socat stdio PATH` half-closes after the command and waits for the answer.
  const sessions = new Set<Socket>()
  const server: Server = createServer({ allowHalfOpen: true }, (sock) => {
    sessions.add(sock)
    sock.once('close', () => sessions.delete(sock))
    serve(sock, level, run)
  })
  const tcp = tcpAddress(path)
  return new Promise((res, rej) => {
    server.once('error', rej)
    const ready = () => {
      server.off('error', rej)
      res({
        where: tcp ? `${tcp.host}:${tcp.port}` : path,
        close: () =>
          new Promise((r) => {
            server.close(() => r())
            // server.close() waits for every session: an interactive one (`prompt`) never ends by itself.
            for (const s of sessions) s.destroy()
            sessions.clear()
            if (!tcp && existsSync(path)) unlinkSync(path)
          }),
      })
    }
    if (tcp) server.listen(tcp.port, tcp.host, ready)
    else {
      // HAProxy replaces a stale socket file left by a previous process.
      if (existsSync(path) && lstatSync(path).isSocket()) unlinkSync(path)
      server.listen(path, ready)
    }
  })
}

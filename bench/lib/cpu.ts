/**
 * @module
 * The CPU a workerd process spends, read from /proc: the benchmarks' exact measure of per-request
 * cost (req/s on a shared 2-core machine is far noisier).
 */
import { readdirSync, readFileSync } from 'node:fs'

/** The workerd process Miniflare started (a child of `parent`, by default this process), if there is one. */
export function workerdPid(parent: number = process.pid): number | undefined {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8')
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      if (comm === 'workerd' && ppid === parent) return Number(e)
    } catch {}
  }
  return undefined
}

/**
 * CPU time (µs) a process has used so far: the sum of its threads' time on a CPU (schedstat, in
 * ns), exact where /proc/PID/stat's utime and stime count 10 ms ticks. NaN without a process.
 */
export function cpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  let ns = 0
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${t}/schedstat`, 'utf8').split(' ')[0])
    } catch {}
  }
  return ns / 1000
}

/**
 * @module
 * How `edgeproxy dev` stops on SIGINT/SIGTERM: HAProxy's soft stop, in order, under one deadline.
 * The listeners and stats sockets stop accepting; idle connections, tunnels and stats-socket
 * sessions end; the requests in flight finish until the drain deadline (their connection closes
 * after the answer), then whatever is left is ended; the Worker runtime (workerd) is disposed of;
 * the demo origins close. `hard-stop-after` (global; 5 s when unset) bounds the whole: a step that would
 * pass it is abandoned, and a timer exits the process at the deadline whatever still runs (the
 * runtime's exit hook kills workerd then), with a line that says so.
 */

/** Without `hard-stop-after`, a stop takes at most this long. */
export const DEFAULT_HARD_STOP_MS = 5000

/** One step of the stop: given the deadline (ms since the epoch) its work must end by. */
export interface StopStep {
  readonly name: string
  run(deadline: number): Promise<unknown>
}

/**
 * When the requests in flight stop being waited for: the part of the budget left for the steps
 * after the listeners (disposing of workerd takes about a second) is kept back.
 */
export function drainDeadline(start: number, hardStopMs: number): number {
  return start + Math.max(0, hardStopMs - Math.min(2000, Math.floor(hardStopMs / 2)))
}

/**
 * Runs the steps in order, each bounded by `deadline`; a step that fails is reported and the next
 * runs. Resolves with the names of the steps that did not finish in time (none: a clean stop).
 */
export async function stopInOrder(steps: readonly StopStep[], deadline: number, report: (line: string) => void): Promise<string[]> {
  const late: string[] = []
  for (const step of steps) {
    const left = deadline - Date.now()
    if (left <= 0) {
      late.push(step.name)
      continue
    }
    let timer: NodeJS.Timeout | undefined
    const inTime = await Promise.race([
      step.run(deadline).then(
        () => true,
        (e: unknown) => {
          report(`edgeproxy dev: stopping ${step.name}: ${e instanceof Error ? e.message : String(e)}`)
          return true
        },
      ),
      new Promise<false>((r) => {
        timer = setTimeout(() => r(false), left)
      }),
    ])
    clearTimeout(timer)
    if (!inTime) late.push(step.name)
  }
  return late
}

/**
 * The Worker under test in the `workers` vitest project: the real HealthMonitor (HTTP checks go
 * out through fetch(), answered by the pool's outboundService) and a subclass whose connect()
 * reaches the scripted peers of net.ts.
 */
import { HealthMonitor } from '../../durable-objects/health-monitor.ts'
import { RuntimeState } from '../../durable-objects/runtime-state.ts'
import { StickTable } from '../../durable-objects/stick-table.ts'
import type { ProbeIo } from '../../src/health/probes/types.ts'
import { testNet } from './net.ts'

export { HealthMonitor, RuntimeState, StickTable }

export class TcpHealthMonitor extends HealthMonitor {
  protected override probeIo(): ProbeIo {
    return { ...super.probeIo(), connect: (address, options) => testNet.connect(address, options) }
  }
}

export default {
  fetch: () => new Response('edgeproxy health-monitor test worker'),
} satisfies ExportedHandler

/// <reference types="@cloudflare/vitest-plugin/types" />
// Bindings of the workers test project (pool-options.ts).
declare namespace Cloudflare {
  interface Env {
    HEALTH: DurableObjectNamespace<import('../../durable-objects/health-monitor.ts').HealthMonitor>
    TCP_HEALTH: DurableObjectNamespace<import('./worker.ts').TcpHealthMonitor>
    STICK: DurableObjectNamespace<import('../../durable-objects/stick-table.ts').StickTable>
    RUNTIME: DurableObjectNamespace<import('../../durable-objects/runtime-state.ts').RuntimeState>
    ROUTEMAPS: KVNamespace
  }
}

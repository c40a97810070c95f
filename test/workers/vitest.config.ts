/**
 * Standalone config of the `workers` project (HealthMonitor in workerd):
 * `vitest run --config test/workers/vitest.config.ts`. The root vitest.config.ts lists the same
 * project with `cloudflareTest(workersPoolOptions)`.
 */
import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { defineConfig } from 'vitest/config'
import { workersPoolOptions } from './pool-options.ts'

export default defineConfig({
  root: new URL('../..', import.meta.url).pathname,
  plugins: [cloudflareTest(workersPoolOptions)],
  test: { name: 'workers', include: ['test/workers/**/*.test.ts'], testTimeout: 30_000 },
})

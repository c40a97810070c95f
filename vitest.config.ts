import { cloudflareTest } from '@cloudflare/vitest-plugin'
import { configDefaults, defineConfig } from 'vitest/config'
import { workersPoolOptions } from './test/workers/pool-options.ts'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // test/conformance: shared suites (one contract, every implementation); the
          // Durable Object-backed runs (*.workers.test.ts) belong to the workers project.
          include: ['test/unit/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/conformance/**/*.workers.test.ts'],
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        // Durable Objects in workerd (@cloudflare/vitest-plugin): HealthMonitor against fake origins.
        plugins: [cloudflareTest(workersPoolOptions)],
        test: { name: 'workers', include: ['test/workers/**/*.test.ts', 'test/conformance/**/*.workers.test.ts'], testTimeout: 30_000 },
      },
      {
        // Real processes on loopback: `edgeproxy dev` in workerd, HAProxy 2.6 side by side with it.
        test: {
          name: 'e2e',
          include: ['test/diff/**/*.test.ts', 'test/e2e/**/*.test.ts', 'test/corpus/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
})

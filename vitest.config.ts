import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// HUB_TEST_DATABASE=postgres runs the suite against PostgreSQL (see test/helpers/database.ts).
const database = process.env.HUB_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'

export default defineConfig({
  resolve: {
    // The client's sources, so that its tests and the hub's need no build of it.
    alias: { '@claw-chat-hub/client': fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // CI adds a JSON report per database, summed up by .ci/run.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: `.ci/results-${database}.json` },
  },
})

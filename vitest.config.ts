import { fileURLToPath } from 'node:url'
import { configDefaults, defineConfig } from 'vitest/config'

// HUB_TEST_DATABASE=postgres runs the suite against PostgreSQL (see test/helpers/database.ts).
const database = process.env.HUB_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'
// What never reads the hub's database itself runs in the SQLite pass only: the client package's
// tests and the CLI's (the hub they drive stores through the same code whatever the database;
// `keys` and `serve`/`migrate` open it, so they run in both), and the console in Chromium.
const databaseBlind = ['packages/client/test/**', 'test/cli/index.test.ts', 'test/cli/commands/{listen,send,resources}.test.ts', 'test/console/**']

export default defineConfig({
  resolve: {
    // The client's sources, so that its tests and the hub's need no build of it.
    alias: { '@claw-chat-hub/client': fileURLToPath(new URL('./packages/client/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...(database === 'postgres' ? databaseBlind : [])],
    pool: 'forks',
    // Most tests wait on sockets and timers: three at a time keep two cores busy.
    maxWorkers: 3,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // CI adds a JSON report per database, summed up by .ci/run.
    reporters: process.env.CI ? ['default', 'json'] : ['default'],
    outputFile: { json: `.ci/results-${database}.json` },
  },
})

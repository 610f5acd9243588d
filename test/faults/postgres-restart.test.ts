// PostgreSQL restarted under load (stopped the hard way, every connection cut, then started
// again): the hub stays up, refuses what it cannot store with UNAVAILABLE (which the clients
// retry with the same client_msg_id), serves again by itself, and loses or repeats nothing.
// The server is the test's own (own port and data directory); the shared one is never touched.
import { afterAll, expect, it } from 'vitest'
import { testDatabaseKind } from '../helpers/database.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../helpers/process.js'
import { ownPostgres, type OwnPostgres } from './own-postgres.js'
import { metric, record, secondsToRecover } from './outcome.js'
import { trafficUnderway, type Traffic } from './traffic.js'

const PAIRS = 2
const PER_SIDE = 150

let postgres: OwnPostgres | undefined
let hub: HubProcess | undefined
let traffic: Traffic | undefined
afterAll(async () => {
  await traffic?.close()
  await hub?.stop('SIGKILL')
  await postgres?.remove()
})

// The PostgreSQL pass runs it (the server is the test's own either way: once is enough).
it.skipIf(testDatabaseKind() !== 'postgres')('rides out a PostgreSQL restart mid-stream', async () => {
  postgres = await ownPostgres()
  const port = freshPort()
  hub = spawnHub({
    PORT: port,
    DATABASE_URL: postgres.url,
    MAX_FRAMES_PER_SECOND: '5000',
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    DATABASE_STATEMENT_TIMEOUT_MS: '2000',
  })
  await waitReady(hub)
  traffic = await trafficUnderway(`ws://127.0.0.1:${port}`, 'pg-restart', PAIRS, PER_SIDE)
  const total = traffic.total

  const stoppedAt = Date.now()
  await postgres.restart()
  const down = (Date.now() - stoppedAt) / 1000
  const seconds = await secondsToRecover(hub.url, traffic, Date.now())
  const tally = await traffic.finish(hub.url)
  const refused = await metric(hub.url, 'hub_frame_errors_total', 'code="UNAVAILABLE"')
  record('postgres-restart', tally, seconds, [hub], `database down ${down.toFixed(2)} s, UNAVAILABLE answered ${refused}×`)

  expect(hub.child.exitCode).toBeNull()
  expect(tally).toMatchObject({ sent: total, acked: total, stored: total, delivered: total, lost: 0, duplicates: 0 })
}, 90_000)

// Storage that turns read-only mid-stream: PostgreSQL answering as a read-only replica does after
// a failover (the test's own database set to default_transaction_read_only, its sessions ended).
// Sends get UNAVAILABLE (retried by the clients), /readyz says `read_only`, and once writable
// again the hub stores everything, once. (SQLite's SQLITE_READONLY takes the same path; a
// filesystem with the hub's files open cannot be remounted read-only to show it here.)
import pg from 'pg'
import { afterAll, expect, it } from 'vitest'
import { tempPostgresUrl, testDatabaseKind, type TempDatabase } from '../helpers/database.js'
import { poll } from '../helpers/poll.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../helpers/process.js'
import { metric, record, secondsToRecover } from './outcome.js'
import { trafficUnderway, type Traffic } from './traffic.js'

const PAIRS = 2
const PER_SIDE = 150

let database: TempDatabase | undefined
let hub: HubProcess | undefined
let traffic: Traffic | undefined
afterAll(async () => {
  await traffic?.close()
  await hub?.stop('SIGKILL')
  await database?.remove()
})

/** Makes the storage read-only, or writable again. */
type Switch = (readOnly: boolean) => Promise<void>

async function postgresStorage(): Promise<{ url: string; turn: Switch }> {
  database = await tempPostgresUrl()
  const name = new URL(database.url).pathname.slice(1)
  const turn: Switch = async (readOnly) => {
    const admin = new pg.Client({ connectionString: database?.url.replace(`/${name}`, '/postgres') })
    await admin.connect()
    await admin.query(`ALTER DATABASE "${name}" SET default_transaction_read_only = ${readOnly ? 'on' : 'off'}`)
    // Sessions pick the setting up as they start: end the hub's, as a failover would.
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name])
    await admin.end()
  }
  return { url: database.url, turn }
}

it.skipIf(testDatabaseKind() !== 'postgres')('refuses with UNAVAILABLE while the storage is read-only, and stores everything once writable', async () => {
  const storage = await postgresStorage()
  const port = freshPort()
  hub = spawnHub({ PORT: port, DATABASE_URL: storage.url, MAX_FRAMES_PER_SECOND: '5000' })
  await waitReady(hub)
  traffic = await trafficUnderway(`ws://127.0.0.1:${port}`, 'read-only', PAIRS, PER_SIDE)
  const total = traffic.total

  await storage.turn(true)
  const readOnlyAt = Date.now()
  const readiness = async () => (await fetch(`${hub?.url}/readyz`)).json() as Promise<{ database: string }>
  await poll(readiness, (ready) => ready.database === 'read_only', 20_000, () => `/readyz reporting read_only (${hub?.stdout().slice(-1500)})`)
  const refusals = () => metric(hub?.url ?? '', 'hub_frame_errors_total', 'code="UNAVAILABLE"')
  await poll(refusals, (count) => count >= PAIRS * 2, 20_000, 'refusals')
  await storage.turn(false)
  const lasted = (Date.now() - readOnlyAt) / 1000
  const seconds = await secondsToRecover(hub.url, traffic, Date.now())
  const tally = await traffic.finish(hub.url)
  const causeLines = hub.stdout().split('\n').filter((line) => line.includes('storage unavailable')).length
  record('read-only (postgres)', tally, seconds, [hub], `read-only ${lasted.toFixed(2)} s, UNAVAILABLE answered ${await refusals()}×, log lines naming the cause ${causeLines}`)

  expect(hub.child.exitCode).toBeNull()
  expect(tally).toMatchObject({ sent: total, acked: total, stored: total, delivered: total, lost: 0, duplicates: 0 })
}, 90_000)

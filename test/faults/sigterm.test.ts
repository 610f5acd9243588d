// SIGTERM under load: the hub stops taking frames (UNAVAILABLE), acks and stores everything it
// accepted, closes the sockets with 1001 and exits 0; a new process on the same database and
// port takes over, the clients reconnect and resend what was refused, and nothing is lost or
// stored twice.
import { afterAll, expect, it } from 'vitest'
import { tempDatabase, type TempDatabase } from '../helpers/database.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../helpers/process.js'
import { record, secondsToRecover } from './outcome.js'
import { trafficUnderway, type Traffic } from './traffic.js'

const PAIRS = 2
const PER_SIDE = 150

let database: TempDatabase | undefined
let hubs: HubProcess[] = []
let traffic: Traffic | undefined
afterAll(async () => {
  await traffic?.close()
  await Promise.all(hubs.map((hub) => hub.stop('SIGKILL')))
  await database?.remove()
})

it('drains on SIGTERM under load, and the next process takes over without a loss', async () => {
  database = await tempDatabase()
  const port = freshPort()
  const env = { PORT: port, DATABASE_URL: database.url, MAX_FRAMES_PER_SECOND: '5000', LOG_LEVEL: 'info' }
  const first = spawnHub(env)
  hubs = [first]
  await waitReady(first)
  traffic = await trafficUnderway(`ws://127.0.0.1:${port}`, 'sigterm', PAIRS, PER_SIDE)
  const total = traffic.total

  const termAt = Date.now()
  const code = await first.stop('SIGTERM')
  const drained = (Date.now() - termAt) / 1000
  const ackedByFirst = traffic.acked
  const second = spawnHub(env)
  hubs.push(second)
  await waitReady(second, 30_000)
  const started = (Date.now() - termAt) / 1000
  const seconds = await secondsToRecover(second.url, traffic, termAt)
  const tally = await traffic.finish(second.url)
  record('sigterm', tally, seconds, [second], `first process exited ${code} after ${drained.toFixed(2)} s, having acked ${ackedByFirst}; the next ready ${started.toFixed(2)} s after the SIGTERM`)

  expect(code, first.stdout() + first.stderr()).toBe(0)
  expect(second.child.exitCode).toBeNull()
  expect(tally).toMatchObject({ sent: total, acked: total, stored: total, delivered: total, lost: 0, duplicates: 0 })
}, 90_000)

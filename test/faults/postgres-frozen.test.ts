// PostgreSQL frozen mid-stream (a proxy the test controls stops forwarding, the way a hung server
// or a partitioned network looks): acks do not hang for the outage, /readyz answers 503 within a
// bound, sends are refused with UNAVAILABLE (and retried by the clients), and once the database
// answers again the hub serves by itself, having lost and repeated nothing.
import { afterAll, expect, it } from 'vitest'
import { testDatabaseKind } from '../helpers/database.js'
import { until } from '../helpers/poll.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../helpers/process.js'
import { ownPostgres, type OwnPostgres } from './own-postgres.js'
import { metric, readiness, record, secondsToRecover } from './outcome.js'
import { tcpProxy, type TcpProxy } from './tcp-proxy.js'
import { trafficUnderway, type Traffic } from './traffic.js'

const PAIRS = 2
const PER_SIDE = 150

let postgres: OwnPostgres | undefined
let proxy: TcpProxy | undefined
let hub: HubProcess | undefined
let traffic: Traffic | undefined
afterAll(async () => {
  await traffic?.close()
  await hub?.stop('SIGKILL')
  await proxy?.close()
  await postgres?.remove()
})

// The PostgreSQL pass runs it (the server is the test's own either way: once is enough).
it.skipIf(testDatabaseKind() !== 'postgres')('refuses instead of hanging while PostgreSQL is frozen, and recovers when it thaws', async () => {
  postgres = await ownPostgres()
  proxy = await tcpProxy(postgres.port)
  const port = freshPort()
  hub = spawnHub({
    PORT: port,
    DATABASE_URL: postgres.url.replace(`:${postgres.port}/`, `:${proxy.port}/`),
    MAX_FRAMES_PER_SECOND: '5000',
    DATABASE_CONNECT_TIMEOUT_MS: '1000',
    DATABASE_STATEMENT_TIMEOUT_MS: '1000',
  })
  await waitReady(hub)
  traffic = await trafficUnderway(`ws://127.0.0.1:${port}`, 'pg-frozen', PAIRS, PER_SIDE)
  const total = traffic.total

  proxy.freeze()
  const frozenAt = Date.now()
  // Readiness says so (and answers: readiness() gives 0 for no answer within 5 s) …
  await until(async () => (await readiness(hub?.url ?? '')) === 503, 15_000, '/readyz answering 503')
  const readySaid503 = (Date.now() - frozenAt) / 1000
  // … and sends are refused, not held, while it lasts.
  const refusals = () => metric(hub?.url ?? '', 'hub_frame_errors_total', 'code="UNAVAILABLE"')
  await until(async () => (await refusals()) >= PAIRS * 2, 20_000, 'UNAVAILABLE refusals')
  const ackedWhileFrozen = traffic.acked
  proxy.thaw()
  const frozen = (Date.now() - frozenAt) / 1000
  const seconds = await secondsToRecover(hub.url, traffic, Date.now())
  const tally = await traffic.finish(hub.url)
  const refused = await metric(hub.url, 'hub_frame_errors_total', 'code="UNAVAILABLE"')
  record(
    'postgres-frozen',
    tally,
    seconds,
    [hub],
    `frozen ${frozen.toFixed(2)} s, /readyz 503 after ${readySaid503.toFixed(2)} s, UNAVAILABLE answered ${refused}×, acked before thaw ${ackedWhileFrozen}`,
  )

  expect(hub.child.exitCode).toBeNull()
  expect(tally).toMatchObject({ sent: total, acked: total, stored: total, delivered: total, lost: 0, duplicates: 0 })
}, 90_000)

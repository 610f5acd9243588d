// Storage that turns read-only mid-stream. PostgreSQL: the test's own database answers as a
// read-only replica does after a failover (default_transaction_read_only, its sessions ended).
// SQLite: the database file and its write-ahead log on a filesystem of the test's own (an ext4
// image on a loop device; the suite runs as root) are made immutable, so that they refuse writes
// through the hub's open descriptors, as a filesystem the kernel remounted read-only does (a
// mounted filesystem with files open for writing cannot be remounted read-only by hand). Sends
// get UNAVAILABLE with a retry hint (retried by the clients), /readyz answers 503 `read_only`,
// one log line names the cause, and once writable again the hub stores everything, once.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { afterAll, expect, it } from 'vitest'
import { tempPostgresUrl, testDatabaseKind, type TempDatabase } from '../helpers/database.js'
import { poll } from '../helpers/poll.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../helpers/process.js'
import { WsAgent } from '../helpers/ws-agent.js'
import { metric, record, secondsToRecover } from './outcome.js'
import { trafficUnderway, type Traffic } from './traffic.js'

const PAIRS = 2
const PER_SIDE = 150
const IMAGE_BYTES = 64 * 1024 * 1024

let database: TempDatabase | undefined
let hub: HubProcess | undefined
let traffic: Traffic | undefined
const cleanups: (() => void)[] = []
afterAll(async () => {
  await traffic?.close()
  await hub?.stop('SIGKILL')
  await database?.remove()
  for (const cleanup of cleanups.reverse()) cleanup()
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

function sqliteStorage(): Promise<{ url: string; turn: Switch }> {
  const dir = mkdtempSync(join(tmpdir(), 'claw-read-only-'))
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  const image = join(dir, 'fs.img')
  const mount = join(dir, 'mnt')
  mkdirSync(mount)
  writeFileSync(image, '')
  truncateSync(image, IMAGE_BYTES)
  execFileSync('mkfs.ext4', ['-q', '-F', image])
  execFileSync('mount', ['-o', 'loop', image, mount])
  const file = join(mount, 'hub.db')
  // The files a transaction is written to; immutable files would keep the filesystem from unmounting.
  const files = [file, `${file}-wal`]
  const turn: Switch = (readOnly) => Promise.resolve(void execFileSync('chattr', [readOnly ? '+i' : '-i', ...files]))
  cleanups.push(() => {
    execFileSync('chattr', ['-i', ...files])
    execFileSync('umount', [mount])
  })
  return Promise.resolve({ url: `file:${file}`, turn })
}

const kind = testDatabaseKind()
// Root and a loop device: the image is mounted.
const canMountSqlite = kind === 'sqlite' && process.getuid?.() === 0 && existsSync('/dev/loop-control')

it.skipIf(kind === 'sqlite' && !canMountSqlite)(`refuses with UNAVAILABLE while the storage is read-only, and stores everything once writable (${kind})`, async () => {
  const storage = kind === 'postgres' ? await postgresStorage() : await sqliteStorage()
  const port = freshPort()
  hub = spawnHub({ PORT: port, DATABASE_URL: storage.url, MAX_FRAMES_PER_SECOND: '5000' })
  await waitReady(hub)
  traffic = await trafficUnderway(`ws://127.0.0.1:${port}`, 'read-only', PAIRS, PER_SIDE)
  const total = traffic.total
  // A raw agent beside the traffic, to read the refusal itself.
  const opened = await fetch(`${hub.url}/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider_id: 'ro-provider', consumer_id: 'ro-consumer' }),
  })
  const channelId = ((await opened.json()) as { channel_id: string }).channel_id
  const raw = await WsAgent.connect(`ws://127.0.0.1:${port}`, 'ro-consumer')

  await storage.turn(true)
  const readOnlyAt = Date.now()
  const readiness = async () => {
    const response = await fetch(`${hub?.url}/readyz`)
    return { http: response.status, ...((await response.json()) as { database: string }) }
  }
  await poll(readiness, (ready) => ready.database === 'read_only', 20_000, () => `/readyz reporting read_only (${hub?.stdout().slice(-1500)})`)
  expect((await readiness()).http).toBe(503)
  const refused = await raw.request({ type: 'chat_message', channel_id: channelId, content: 'while read-only', client_msg_id: 'ro-1' }, 'ack')
  expect(refused).toMatchObject({ type: 'error', code: 'UNAVAILABLE', retry_after_ms: expect.any(Number) as number })
  await raw.close()
  const refusals = () => metric(hub?.url ?? '', 'hub_frame_errors_total', 'code="UNAVAILABLE"')
  await poll(refusals, (count) => count >= PAIRS * 2, 20_000, 'refusals')
  await storage.turn(false)
  const lasted = (Date.now() - readOnlyAt) / 1000
  const seconds = await secondsToRecover(hub.url, traffic, Date.now())
  const tally = await traffic.finish(hub.url)
  const causeLines = hub.stdout().split('\n').filter((line) => line.includes('storage unavailable'))
  record(`read-only (${kind})`, tally, seconds, [hub], `read-only ${lasted.toFixed(2)} s, UNAVAILABLE answered ${await refusals()}×, log lines naming the cause ${causeLines.length}`)

  expect(hub.child.exitCode).toBeNull()
  expect(tally).toMatchObject({ sent: total, acked: total, stored: total, delivered: total, lost: 0, duplicates: 0 })
  // One line per cause: on PostgreSQL the sessions the failover ended are a cause of their own (unreachable).
  const causes = causeLines.map((line) => (JSON.parse(line) as { fault: string }).fault)
  expect(causes.filter((fault) => fault === 'read_only')).toHaveLength(1)
  expect(new Set(causes).size).toBe(causes.length)
  // No stack trace per refused frame: nothing else was logged as an error meanwhile.
  expect(hub.stdout().split('\n').filter((line) => line.includes('"level":50'))).toEqual([])
}, 90_000)

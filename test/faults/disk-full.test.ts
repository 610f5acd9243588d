// The filesystem under SQLite fills up mid-stream (a small tmpfs the test mounts; the suite runs
// as root): sends are refused with UNAVAILABLE (retried by the clients), /readyz says `full`,
// the hub logs one line naming the cause instead of a stack trace per frame, counts it in a
// metric, and serves again once space is freed, with nothing lost, repeated or corrupted.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, expect, it } from 'vitest'
import { testDatabaseKind } from '../helpers/database.js'
import { poll, until } from '../helpers/poll.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../helpers/process.js'
import { metric, record, secondsToRecover } from './outcome.js'
import { trafficUnderway, type Traffic } from './traffic.js'

const PAIRS = 2
const PER_SIDE = 150
const PADDING = 2000
const TMPFS_BYTES = 24 * 1024 * 1024

const mount = mkdtempSync(join(tmpdir(), 'claw-full-'))
let hub: HubProcess | undefined
let traffic: Traffic | undefined
let mounted = false
afterAll(async () => {
  await traffic?.close()
  await hub?.stop('SIGKILL')
  if (mounted) execFileSync('umount', [mount])
  rmSync(mount, { recursive: true, force: true })
})

/** Fills the filesystem to the last byte; returns the filler's path. */
function fill(dir: string): string {
  const filler = join(dir, 'filler')
  writeFileSync(filler, '')
  for (const size of [1 << 20, 1 << 12, 1]) {
    const chunk = Buffer.alloc(size)
    try {
      for (;;) appendFileSync(filler, chunk)
    } catch {
      // ENOSPC: on to smaller chunks.
    }
  }
  return filler
}

it.skipIf(process.getuid?.() !== 0 || testDatabaseKind() !== 'sqlite')('refuses with UNAVAILABLE while the disk is full, and stores everything once space is freed', async () => {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${TMPFS_BYTES}`, 'tmpfs', mount])
  mounted = true
  const port = freshPort()
  const file = join(mount, 'hub.db')
  hub = spawnHub({ PORT: port, DATABASE_URL: `file:${file}`, MAX_FRAMES_PER_SECOND: '5000' })
  await waitReady(hub)
  traffic = await trafficUnderway(`ws://127.0.0.1:${port}`, 'disk-full', PAIRS, PER_SIDE, PADDING)
  const total = traffic.total

  const filler = fill(mount)
  const filledAt = Date.now()
  const readiness = async () => (await fetch(`${hub?.url}/readyz`)).json() as Promise<{ database: string }>
  await poll(readiness, (ready) => ready.database === 'full', 20_000, () => `/readyz reporting the storage full (${hub?.stdout().slice(-2000)})`)
  await until(async () => (await metric(hub?.url ?? '', 'hub_frame_errors_total', 'code="UNAVAILABLE"')) >= PAIRS * 2, 20_000, 'refusals')
  const gauge = await metric(hub.url, 'hub_storage_fault', 'fault="full"')
  rmSync(filler)
  const full = (Date.now() - filledAt) / 1000
  const seconds = await secondsToRecover(hub.url, traffic, Date.now())
  const tally = await traffic.finish(hub.url)
  const refused = await metric(hub.url, 'hub_frame_errors_total', 'code="UNAVAILABLE"')
  const causeLines = hub.stdout().split('\n').filter((line) => line.includes('storage unavailable')).length
  const traces = hub.stdout().split('\n').filter((line) => line.includes('frame handling failed') || line.includes('request failed')).length
  record('disk-full', tally, seconds, [hub], `full ${full.toFixed(2)} s, UNAVAILABLE answered ${refused}×, log lines naming the cause ${causeLines}, stack traces ${traces}`)

  expect(hub.child.exitCode).toBeNull()
  expect(gauge).toBe(1)
  expect(causeLines).toBe(1)
  expect(traces).toBe(0)
  expect(tally).toMatchObject({ sent: total, acked: total, stored: total, delivered: total, lost: 0, duplicates: 0 })
  const check = new Database(file, { readonly: true })
  expect(check.pragma('integrity_check', { simple: true })).toBe('ok')
  check.close()
}, 90_000)

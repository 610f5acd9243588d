// History at scale: one channel filled with many messages straight through the database
// (SQLite in one transaction, Postgres with generate_series), then the latency of reading its
// newest page over REST, and of a page from the middle, and the hub's CPU time per read. On its
// own: `npx tsx bench/latency.ts --rate 0 --history 1000000 [--db postgres] [--cpu-prof DIR]`.
import { performance } from 'node:perf_hooks'
import Database from 'better-sqlite3'
import pg from 'pg'
import { requestFrom } from './addresses.js'
import { percentile } from './load.js'
import { cpuSeconds } from './servers.js'

/** Client addresses the reads come from, each on a kept-alive connection. */
const READERS = 16
/** Reads of each kind before the measured ones. */
export const WARM_UP_READS = 1000

/** Opens an active channel between two agents over REST; returns its id. */
export async function createChannel(httpUrl: string, providerId = 'history-p', consumerId = 'history-c'): Promise<string> {
  const response = await fetch(`${httpUrl}/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider_id: providerId, consumer_id: consumerId }),
  })
  return ((await response.json()) as { channel_id: string }).channel_id
}

/**
 * Writes `count` messages into the channel, directly in the database the hub has migrated. Their
 * ids start with `idPrefix`: `msg_00` makes them look stored in 1970 (ids sort by storage time).
 */
export async function seedMessages(databaseUrl: string, channelId: string, count: number, idPrefix = 'msg_seed'): Promise<void> {
  const content = 'y'.repeat(200)
  // As the hub keeps them: odd seqs are the provider's, even ones the consumer's, all delivered.
  const sent = [count % 2 ? count : count - 1, count % 2 ? count - 1 : count]
  const finish = (p: (n: number) => string) =>
    `UPDATE channels SET last_seq = ${p(1)}, provider_delivered_seq = ${p(2)}, consumer_delivered_seq = ${p(3)},
       provider_sent_seq = ${p(4)}, consumer_sent_seq = ${p(5)} WHERE id = ${p(6)}`
  const finishing = [count, count, count, ...sent, channelId]
  if (databaseUrl.startsWith('file:')) {
    const db = new Database(databaseUrl.slice(5))
    const insert = db.prepare(
      'INSERT INTO messages (id, channel_id, seq, sender_id, content, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
    const now = new Date().toISOString().replace('Z', '+00:00')
    db.transaction(() => {
      for (let seq = 1; seq <= count; seq++) {
        insert.run(`${idPrefix}${String(seq).padStart(22, '0')}`, channelId, seq, seq % 2 ? 'history-p' : 'history-c', content, now)
      }
      db.prepare(finish(() => '?')).run(...finishing)
    })()
    db.close()
    return
  }
  const client = new pg.Client({ connectionString: databaseUrl })
  await client.connect()
  await client.query(
    `INSERT INTO messages (id, channel_id, seq, sender_id, content, created_at)
     SELECT $4 || lpad(g::text, 22, '0'), $1, g, CASE WHEN g % 2 = 1 THEN 'history-p' ELSE 'history-c' END, $2, now()
     FROM generate_series(1, $3::int) g`,
    [channelId, content, count, idPrefix],
  )
  await client.query(finish((n) => `$${n}`), finishing)
  await client.query('ANALYZE messages')
  await client.end()
}

/** Latency percentiles (ms) of one kind of read, and the hub's CPU time (user + kernel) per read. */
export interface Reads {
  p50: number
  p95: number
  p99: number
  cpuMs: number
}

export interface HistoryResult {
  tail: Reads
  middle: Reads
}

async function timed(url: string, requests: number, hubPid: number): Promise<Reads> {
  const samples: number[] = []
  const cpuBefore = cpuSeconds(hubPid)
  for (let i = 0; i < requests; i++) {
    const started = performance.now()
    // Readers from many addresses, as clients are: each stays within the per-address limit.
    const page = (await requestFrom(i % READERS, url)).json as { messages: unknown[] }
    samples.push(performance.now() - started)
    if (page.messages.length !== 50) throw new Error(`expected a page of 50, got ${page.messages.length}`)
  }
  const cpuMs = ((cpuSeconds(hubPid) - cpuBefore) * 1000) / requests
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), p99: percentile(samples, 99), cpuMs }
}

export async function measureHistory(httpUrl: string, hubPid: number, channelId: string, count: number, requests: number): Promise<HistoryResult> {
  const base = `${httpUrl}/channels/${channelId}/messages?limit=50`
  const middle = `${base}&before_seq=${Math.floor(count / 2)}`
  // Not measured: a hub that has served for a while, its code compiled and its statements
  // prepared, as a hub in use is (the first couple of thousand reads cost up to twice the CPU).
  await timed(base, WARM_UP_READS, hubPid)
  await timed(middle, WARM_UP_READS, hubPid)
  return { tail: await timed(base, requests, hubPid), middle: await timed(middle, requests, hubPid) }
}

// The benchmark: the same workload against the hub and against a bare `ws` relay (the
// baseline) in one run, then history reads at scale and idle connections on the hub. Prints
// figures and hub/baseline ratios, and which targets are met; asserts nothing.
//   npm run bench -- [--quick] [--db sqlite|postgres] [--pairs 50] [--size 256] [--seconds 10]
//                    [--rate 2000] [--window 32] [--history 1000000] [--idle 10000]
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pg from 'pg'
import { createChannel, measureHistory, seedMessages } from './history.js'
import { measureIdle } from './idle.js'
import { closePairs, connectPairs, percentile, runLoad, type LoadResult, type Workload } from './load.js'
import { cpuSeconds, memory, startServer, type Server } from './servers.js'

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    db: { type: 'string', default: 'sqlite' },
    pairs: { type: 'string' },
    size: { type: 'string' },
    seconds: { type: 'string' },
    rate: { type: 'string' },
    window: { type: 'string' },
    history: { type: 'string' },
    idle: { type: 'string' },
  },
})
const quick = args.quick === true
const setting = (value: string | undefined, full: number, fast: number) => Number(value ?? (quick ? fast : full))
const pairs = setting(args.pairs, 50, 10)
const size = setting(args.size, 256, 256)
const seconds = setting(args.seconds, 10, 3)
const rate = setting(args.rate, 2000, 1000)
const window = setting(args.window, 32, 32)
const historyRows = setting(args.history, 1_000_000, 20_000)
const idleConnections = setting(args.idle, 10_000, 1_000)
const POSTGRES_ADMIN = process.env.HUB_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

interface Figures {
  throughput: LoadResult
  latency: LoadResult
  cpuCores: number
  peakMib: number
}

async function database(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (args.db === 'postgres') {
    const name = `hub_bench_${randomBytes(4).toString('hex')}`
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN })
    await admin.connect()
    await admin.query(`CREATE DATABASE "${name}"`)
    await admin.end()
    const url = new URL(POSTGRES_ADMIN)
    url.pathname = `/${name}`
    return {
      url: url.toString(),
      drop: async () => {
        const client = new pg.Client({ connectionString: POSTGRES_ADMIN })
        await client.connect()
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        await client.end()
      },
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'hub-bench-'))
  return { url: `file:${join(dir, 'hub.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

async function drive(server: Server, channelIds: string[]): Promise<Figures> {
  const url = `ws://127.0.0.1:${server.port}`
  const pid = server.child.pid as number
  const connected = await connectPairs(url, channelIds, `${server.name}-bench`)
  const workload: Workload = { pairs, size, seconds, rate: 0, window }
  const cpuBefore = cpuSeconds(pid)
  const throughput = await runLoad(connected, workload)
  const cpuCores = (cpuSeconds(pid) - cpuBefore) / throughput.seconds
  const latency = await runLoad(connected, { ...workload, rate })
  await closePairs(connected)
  return { throughput, latency, cpuCores, peakMib: memory(pid).peak }
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')
const ratio = (hub: number, base: number) => (base > 0 ? `${fmt(hub / base, 2)}×` : 'n/a')

async function main(): Promise<void> {
  const db = await database()
  const port = 18_000 + (process.pid % 1000)
  const env = { DATABASE_URL: db.url, RATE_LIMIT_PER_MINUTE: '100000000', MAX_FRAMES_PER_SECOND: '1000000' }
  console.log(`claw-chat-hub benchmark — ${args.db}, ${pairs} pairs, ${size}-byte messages, ${seconds} s runs, window ${window}, open loop at ${rate} msg/s${quick ? ' (quick)' : ''}`)

  const baselineServer = await startServer('baseline', port + 1)
  const baseline = await drive(baselineServer, Array.from({ length: pairs }, (_, i) => `ch_baseline_${i}`))
  await baselineServer.stop()

  const hubServer = await startServer('hub', port, env)
  const httpUrl = `http://127.0.0.1:${port}`
  const channelIds: string[] = []
  for (let i = 0; i < pairs; i++) {
    const response = await fetch(`${httpUrl}/channels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider_id: `hub-bench-p${i}`, consumer_id: `hub-bench-c${i}` }),
    })
    channelIds.push(((await response.json()) as { channel_id: string }).channel_id)
  }
  const hub = await drive(hubServer, channelIds)

  const historyChannel = await createChannel(httpUrl)
  await seedMessages(db.url, historyChannel, historyRows)
  const history = await measureHistory(httpUrl, historyChannel, historyRows, quick ? 200 : 1000)
  await hubServer.stop()
  // Idle memory on a fresh hub process: what the load runs left for the GC would blur it.
  const idleServer = await startServer('hub', port, env)
  const idle = await measureIdle(`ws://127.0.0.1:${port}`, idleServer.child.pid as number, idleConnections)
  idle.close()
  await idleServer.stop()
  await db.drop()

  const rows: [string, number, number][] = [
    ['delivered msg/s, stored and acked (closed loop)', hub.throughput.delivered / hub.throughput.seconds, baseline.throughput.delivered / baseline.throughput.seconds],
    [`end-to-end latency p50 ms at ${rate} msg/s`, percentile(hub.latency.latencyMs, 50), percentile(baseline.latency.latencyMs, 50)],
    [`end-to-end latency p95 ms at ${rate} msg/s`, percentile(hub.latency.latencyMs, 95), percentile(baseline.latency.latencyMs, 95)],
    [`end-to-end latency p99 ms at ${rate} msg/s`, percentile(hub.latency.latencyMs, 99), percentile(baseline.latency.latencyMs, 99)],
    [`ack latency p99 ms at ${rate} msg/s`, percentile(hub.latency.ackMs, 99), percentile(baseline.latency.ackMs, 99)],
    ['peak RSS MiB', hub.peakMib, baseline.peakMib],
    ['CPU cores used during the closed loop', hub.cpuCores, baseline.cpuCores],
  ]
  console.log('\n| figure | hub | baseline | hub/baseline |\n|---|---|---|---|')
  for (const [name, h, b] of rows) console.log(`| ${name} | ${fmt(h)} | ${fmt(b)} | ${ratio(h, b)} |`)
  console.log(`\n| history, ${historyRows.toLocaleString('en')} messages in one channel | p50 ms | p95 ms | p99 ms |\n|---|---|---|---|`)
  console.log(`| GET /channels/:id/messages?limit=50 (newest page) | ${fmt(history.tail.p50, 2)} | ${fmt(history.tail.p95, 2)} | ${fmt(history.tail.p99, 2)} |`)
  console.log(`| … &before_seq=${Math.floor(historyRows / 2)} (middle) | ${fmt(history.middle.p50, 2)} | ${fmt(history.middle.p95, 2)} | ${fmt(history.middle.p99, 2)} |`)
  console.log(`\n| idle connections | connects/s | KiB per idle connection |\n|---|---|---|`)
  console.log(`| ${idle.result.connections} | ${fmt(idle.result.connectsPerSecond, 0)} | ${fmt(idle.result.kibPerConnection)} |`)

  const delivered = hub.throughput.delivered / hub.throughput.seconds
  const targets: [string, boolean][] = [
    ['≥ 20,000 messages/s delivered and stored', delivered >= 20_000],
    ['≥ 0.5× the baseline’s throughput', delivered >= 0.5 * (baseline.throughput.delivered / baseline.throughput.seconds)],
    [`p99 latency < 10 ms at ${rate} msg/s`, percentile(hub.latency.latencyMs, 99) < 10],
    [`history p99 < 5 ms at ${historyRows.toLocaleString('en')} rows`, history.tail.p99 < 5],
    ['< 50 KiB per idle connection', idle.result.kibPerConnection < 50],
  ]
  console.log('\ntargets:')
  for (const [target, met] of targets) console.log(`  ${met ? 'met   ' : 'MISSED'} ${target}`)
}

await main()
process.exit(0)

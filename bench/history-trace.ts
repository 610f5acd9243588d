// What a slow history read is made of: the reads of bench/history.ts (newest page of a channel of
// 1,000,000 messages, 16 kept-alive client addresses, after 2,000 warm-up reads), each traced on
// both sides and lined up by time: the hub's (bench/history-trace-hub.ts, preloaded: when the
// HTTP server saw the request and finished the response, the main thread's CPU time and its wait
// for a core, every GC) and the client's (its own GCs and waits). Prints, per 1,000 reads, the
// percentiles and the hub's CPU and collections, then what the reads at or past the p99 had in
// them. A diagnostic, not a figure of the benchmark: the trace costs the hub a little CPU.
//   npx tsx bench/history-trace.ts [--db sqlite|postgres] [--rounds 5] [--rows 1000000] [--slow]
//                                 [--node-arg=--trace-gc …]
//   HEAP_SAMPLE_AT=2001: a sampled heap profile of reads 2,001–3,000 (the garbage a read leaves)
import { readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PerformanceObserver, performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { tempDatabaseOf } from '../test/helpers/database.js'
import { requestFrom } from './addresses.js'
import { createChannel, seedMessages } from './history.js'
import { percentile } from './load.js'
import { cpuSeconds, startServer } from './servers.js'

const { values: args } = parseArgs({
  options: {
    db: { type: 'string', default: 'sqlite' },
    rounds: { type: 'string', default: '5' },
    rows: { type: 'string', default: '1000000' },
    slow: { type: 'boolean', default: false },
    'node-arg': { type: 'string', multiple: true },
  },
})
/** [start, end (epoch ms), CPU ns, wait ns at the start, CPU ns, wait ns at the end] */
type Span = [number, number, number, number, number, number]
/** [start (epoch ms), duration (ms), kind (1 minor, 4 major, 8 weak callbacks)] */
type Gc = [number, number, number]

const schedstat = `/proc/self/task/${process.pid}/schedstat`
const sched = () => readFileSync(schedstat, 'latin1').split(' ').slice(0, 2).map(Number) as [number, number]
const now = () => performance.timeOrigin + performance.now()
const clientGcs: Gc[] = []
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) clientGcs.push([performance.timeOrigin + e.startTime, e.duration, (e as unknown as { detail?: { kind: number } }).detail?.kind ?? 0])
}).observe({ entryTypes: ['gc'] })

const rows = Number(args.rows)
const traceFile = join(tmpdir(), `history-trace-${process.pid}.json`)
const db = await tempDatabaseOf(args.db === 'postgres' ? 'postgres' : 'sqlite')
const env = { DATABASE_URL: db.url, TRACE_FILE: traceFile, HEAP_SAMPLE_AT: process.env.HEAP_SAMPLE_AT ?? '0' }
const hub = await startServer('hub', 18_500 + (process.pid % 400), env, ['--import', './bench/history-trace-hub.ts', ...(args['node-arg'] ?? [])])
const pid = hub.child.pid as number
hub.child.stdout?.on('data', (chunk: Buffer) => process.stderr.write(chunk))
const httpUrl = `http://127.0.0.1:${hub.port}`
const channel = await createChannel(httpUrl)
await seedMessages(db.url, channel, rows)
const newest = `${httpUrl}/channels/${channel}/messages?limit=50`

async function reads(url: string, n: number, into?: Span[]): Promise<void> {
  for (let i = 0; i < n; i++) {
    const [cpu, wait] = sched()
    const started = now()
    // As bench/history.ts reads (the page parsed within the timed read).
    const page = (await requestFrom(i % 16, url)).json as { messages: unknown[] }
    into?.push([started, now(), cpu, wait, ...sched()])
    if (page.messages.length !== 50) throw new Error(`expected a page of 50, got ${page.messages.length}`)
  }
}
await reads(newest, 1000)
await reads(`${newest}&before_seq=${rows / 2}`, 1000)
const client: Span[] = []
const cpuMs: number[] = []
const rounds = Number(args.rounds)
for (let r = 0; r < rounds; r++) {
  const before = cpuSeconds(pid)
  await reads(newest, 1000, client)
  cpuMs.push(cpuSeconds(pid) - before)
}
process.kill(pid, 'SIGUSR2')
await new Promise((resolve) => setTimeout(resolve, 500))
const trace = JSON.parse(readFileSync(traceFile, 'utf8')) as { reqs: Span[]; gcs: Gc[] }
await hub.stop()
await db.remove()

const fmt = (x: number) => x.toFixed(2)
const ms = (ns: number) => ns / 1e6
const first = (client[0] as Span)[0]
const hubReads = trace.reqs.filter(([s]) => s >= first - 2)
const hubGcs = trace.gcs.filter(([s]) => s >= first - 2)
const ownGcs = clientGcs.filter(([s]) => s >= first - 2)
const overlapping = (gcs: Gc[], s: number, e: number) => gcs.filter(([gs, d]) => gs < e && gs + d > s)
const kinds = (gcs: Gc[]) =>
  [1, 4, 8]
    .map((k) => gcs.filter((g) => g[2] === k))
    .filter((of) => of.length > 0)
    .map((of) => `${of.length} kind ${of[0]?.[2]} (${fmt(of.reduce((a, g) => a + g[1], 0) / of.length)} ms each)`)
    .join(', ')
/** The hub's span of a client read: the one whose start falls within it (clocks of two processes: ±1 ms). */
const hubSpan = ([s, e]: Span) => hubReads.find(([hs]) => hs >= s - 1 && hs <= e)

for (let r = 0; r < rounds; r++) {
  const part = client.slice(r * 1000, (r + 1) * 1000)
  const [from, to] = [(part[0] as Span)[0], (part.at(-1) as Span)[1]]
  const latencies = part.map(([s, e]) => e - s)
  const hubSide = hubReads.filter(([s]) => s >= from && s <= to).map(([s, e]) => e - s)
  const gcs = hubGcs.filter(([s]) => s >= from && s <= to)
  console.log(
    `reads ${r * 1000 + 2001}–${(r + 1) * 1000 + 2000}: p50/p95/p99 ${[50, 95, 99].map((p) => fmt(percentile(latencies, p))).join('/')} ms ` +
      `(hub side ${fmt(percentile(hubSide, 50))}/${fmt(percentile(hubSide, 99))}), hub CPU ${fmt(cpuMs[r] as number)} ms a read, hub GCs ${kinds(gcs) || 'none'}`,
  )
}
const threshold = percentile(
  client.map(([s, e]) => e - s),
  99,
)
const slow = client.filter(([s, e]) => e - s >= threshold)
const counts = { hubGc: 0, clientGc: 0, hubWaited: 0, clientWaited: 0, hubOwn: 0, none: 0 }
for (const read of slow) {
  const [s, e, c0, w0, c1, w1] = read
  const hub = hubSpan(read)
  const hubGc = overlapping(hubGcs, s, e)
  const clientGc = overlapping(ownGcs, s, e)
  const hubWait = hub ? ms((hub[5]) - (hub[3])) : 0
  const clientWait = ms(w1 - w0)
  const hubLong = hub !== undefined && hub[1] - hub[0] > 1.5 && hubWait < 0.3 && hubGc.length === 0
  if (hubGc.length > 0) counts.hubGc++
  if (clientGc.length > 0) counts.clientGc++
  if (hubWait > 1) counts.hubWaited++
  if (clientWait > 1) counts.clientWaited++
  if (hubLong) counts.hubOwn++
  if (!hubGc.length && !clientGc.length && hubWait <= 1 && clientWait <= 1 && !hubLong) counts.none++
  if (args.slow) {
    const gcs = (of: Gc[]) => of.map(([gs, d, k]) => `${k}:${fmt(d)}@${fmt(gs - s)}`).join(' ') || '-'
    console.log(
      `  ${fmt(e - s)} ms: hub ${hub ? `${fmt(hub[0] - s)}+${fmt(hub[1] - hub[0])} (CPU ${fmt(ms((hub[4]) - (hub[2])))}, wait ${fmt(hubWait)})` : '?'}, ` +
        `client CPU ${fmt(ms(c1 - c0))} wait ${fmt(clientWait)}; hub GC ${gcs(hubGc)}; client GC ${gcs(clientGc)}`,
    )
  }
}
console.log(
  `${slow.length} reads ≥ p99 ${fmt(threshold)} ms: ${counts.hubGc} with a hub GC in them, ${counts.clientGc} a client GC, ${counts.hubWaited} the hub waiting > 1 ms for a core, ` +
    `${counts.clientWaited} the client waiting > 1 ms, ${counts.hubOwn} the hub busy > 1.5 ms on its own (no GC, no wait), ${counts.none} none of these`,
)
console.log(`over all ${client.length} reads: hub GCs ${kinds(hubGcs)}; client GCs ${kinds(ownGcs) || 'none'}`)
if (process.env.HEAP_SAMPLE_AT) {
  const profile = JSON.parse(readFileSync(`${traceFile}.heapprofile`, 'utf8')) as { head: HeapNode }
  const sites = new Map<string, number>()
  const walk = (node: HeapNode) => {
    const { functionName, url, lineNumber } = node.callFrame
    const site = `${functionName || '(anonymous)'} ${url.replace(/.*node_modules\//, '')}:${lineNumber + 1}`
    sites.set(site, (sites.get(site) ?? 0) + node.selfSize)
    node.children.forEach(walk)
  }
  walk(profile.head)
  const kb = (bytes: number) => fmt(bytes / 1024 / 1000)
  console.log(`garbage a read leaves (heap sampled over 1,000 reads): ${kb([...sites.values()].reduce((a, b) => a + b, 0))} KB; most:`)
  for (const [site, bytes] of [...sites].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${kb(bytes)} KB ${site}`)
}
interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number }
  selfSize: number
  children: HeapNode[]
}
process.exit(0)

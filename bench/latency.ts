// One piece of the benchmark on its own: the open-loop latency run (or, with --closed, the
// closed-loop throughput run) and the CPU it costs on the hub, on its defaults, beside the relay
// when asked, then optionally history reads at scale. For profiling a change back to back,
// without the full run (bench/run.ts).
//   npx tsx bench/latency.ts [--db sqlite|postgres] [--pairs 50] [--rate 2000] [--closed] [--seconds 10]
//                            [--generators 3] [--history 0] [--relay] [--cpu-prof DIR] [--perf FILE]
import { spawn } from 'node:child_process'
import { tempDatabaseOf } from '../test/helpers/database.js'
import { startGenerator } from './generator.js'
import { createChannel, measureHistory, seedMessages, type Reads } from './history.js'
import { percentile, type LoadResult } from './load.js'
import { cpuTimes, startServer, type Server } from './servers.js'
import { args, generators, historyRows, hubNodeArgs, pairs, rate as openRate, seconds, size, window } from './settings.js'

const fmt = (value: number, digits = 2) => value.toFixed(digits)

/** The open loop (closed with --closed) against one server; its latency percentiles and CPU per 1,000 messages. */
async function openLoop(server: Server, channelIds: string[], tag: string): Promise<void> {
  const rate = args.closed ? 0 : openRate
  const url = `ws://127.0.0.1:${server.port}`
  const generator = await startGenerator({ provider: url, consumer: url }, channelIds, tag, generators)
  const pid = server.child.pid as number
  // A short warm-up (JIT, statement caches), not measured.
  await generator.run({ pairs, size, seconds: 1, rate, window })
  const recording = args.perf && server.name === 'hub' ? record(pid, args.perf) : undefined
  const before = cpuTimes(pid)
  const { result, cpuCores } = await generator.run({ pairs, size, seconds, rate, window })
  const after = cpuTimes(pid)
  await recording?.stop()
  await generator.close()
  const perThousand = (seconds: number) => (seconds * 1000) / (result.sent / 1000)
  print(server.name, result, perThousand(after.user - before.user), perThousand(after.system - before.system), cpuCores)
}

/** `perf record` of the process's on-CPU samples (user and kernel, with call graphs) until stop(). */
function record(pid: number, file: string): { stop: () => Promise<void> } {
  const perf = spawn('perf', ['record', '-F', '1999', '-g', '-p', String(pid), '-o', file], { stdio: 'ignore' })
  return {
    stop: () =>
      new Promise((resolve) => {
        perf.once('exit', () => resolve())
        perf.kill('SIGINT')
      }),
  }
}

function print(name: string, result: LoadResult, userMs: number, systemMs: number, generatorCores: number[]): void {
  const e2e = result.latencyMs
  const slow = e2e.filter((ms) => ms > 10).length
  console.log(
    `${name}: ${result.sent} sent, ${result.acked} acked, ${result.delivered} delivered (${fmt(result.delivered / result.seconds, 0)} msg/s), ` +
      `${result.refused} refused, ${result.disconnects} disconnects; ` +
      `e2e p50/p99/p99.9/max ${fmt(percentile(e2e, 50))}/${fmt(percentile(e2e, 99))}/${fmt(percentile(e2e, 99.9))}/${fmt(e2e.reduce((max, ms) => Math.max(max, ms), 0))} ms, ` +
      `ack p99 ${fmt(percentile(result.ackMs, 99))} ms, ${slow} over 10 ms; CPU ${fmt(userMs + systemMs, 0)} ms per 1,000 (user ${fmt(userMs, 0)}, kernel ${fmt(systemMs, 0)}); ` +
      `generators ${generatorCores.map((c) => fmt(c)).join('+')} cores`,
  )
}

/** The hub's own view of the run: batch sizes and times, ack and delivery times (bucket bounds), event-loop lag, GC. */
async function storeMetrics(httpUrl: string): Promise<string> {
  const text = await (await fetch(`${httpUrl}/metrics`)).text()
  const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN)
  const histogram = (name: string, unit: number, suffix: string) => {
    const buckets = [...text.matchAll(new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm'))].map((m) => [Number(m[1]), Number(m[2])])
    const count = value(`${name}_count`)
    const bound = (p: number) => (buckets.find(([, n]) => (n as number) >= p * count)?.[0] ?? NaN) * unit
    return `${name.replace('hub_', '')}: n=${count}, mean ${fmt((value(`${name}_sum`) / count) * unit)}${suffix}, p50 ≤ ${bound(0.5)}${suffix}, p99 ≤ ${bound(0.99)}${suffix}`
  }
  return [
    histogram('hub_store_batch_messages', 1, ''),
    histogram('hub_store_batch_seconds', 1000, ' ms'),
    histogram('hub_ack_seconds', 1000, ' ms'),
    histogram('hub_delivery_seconds', 1000, ' ms'),
    `event-loop lag p50/p99/max ${['p50', 'p99', 'max'].map((q) => fmt(value(`nodejs_eventloop_lag_${q}_seconds`) * 1000)).join('/')} ms`,
  ].join('\n')
}

async function main(): Promise<void> {
  const port = 18_500 + (process.pid % 400)
  const kind = args.db === 'postgres' ? 'postgres' : 'sqlite'
  console.log(`${kind}, ${pairs} pairs, ${args.closed ? `closed loop, window ${window}` : `${openRate} msg/s`}, ${seconds} s, ${generators} generators`)
  if (args.relay) {
    const relay = await startServer('baseline', port)
    await openLoop(relay, Array.from({ length: pairs }, (_, i) => `ch_baseline_${i}`), 'baseline-bench')
    await relay.stop()
  }
  const db = await tempDatabaseOf(kind)
  const hub = await startServer('hub', port + 1, { DATABASE_URL: db.url }, hubNodeArgs)
  const httpUrl = `http://127.0.0.1:${hub.port}`
  if (openRate > 0 || args.closed) {
    const channelIds: string[] = []
    for (let i = 0; i < pairs; i++) channelIds.push(await createChannel(httpUrl, `hub-bench-p${i}`, `hub-bench-c${i}`))
    await openLoop(hub, channelIds, 'hub-bench')
    console.log(await storeMetrics(httpUrl))
  }
  if (historyRows > 0 && args.history !== undefined) {
    const channel = await createChannel(httpUrl)
    await seedMessages(db.url, channel, historyRows)
    const { tail, middle } = await measureHistory(httpUrl, hub.child.pid as number, channel, historyRows, 1000)
    const reads = (r: Reads) => `p50/p95/p99 ${fmt(r.p50)}/${fmt(r.p95)}/${fmt(r.p99)} ms, hub CPU ${fmt(r.cpuMs, 3)} ms a read`
    console.log(`history ${historyRows} rows: newest ${reads(tail)}; middle ${reads(middle)}`)
  }
  await hub.stop()
  await db.remove()
}

await main()
process.exit(0)

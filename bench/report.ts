// Prints the benchmark's figures: per database the hub beside the relay of the same run, the
// load generators' CPU (to show they were not the bound), history, idle connections and
// connect rates, then the table of targets on the hub's defaults.
import type { ConnectResult } from './connects.js'
import { WARM_UP_READS, type HistoryResult, type Reads } from './history.js'
import type { IdleResult } from './idle.js'
import { percentile, type LoadResult } from './load.js'
import { connectCount, historyRows, instances, rate } from './settings.js'

export interface Figures {
  throughput: LoadResult
  latency: LoadResult
  /** One per server process: CPU cores during the closed loop. */
  cpuCores: number[]
  /** CPU ms of the server processes per 1,000 messages in the open loop. */
  cpuMsPer1000: number
  /** CPU cores of each load-generator process, in each loop. */
  generatorCores: { closed: number[]; open: number[] }
  peakMib: number[]
  /** The Redis server's, while the hub instances route through it; NaN otherwise. */
  redisCores: number
}

export interface HubRun {
  kind: 'sqlite' | 'postgres'
  figures: Figures
  history: HistoryResult | undefined
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a')
const ratio = (hub: number, base: number) => (base > 0 ? `${fmt(hub / base, 2)}×` : 'n/a')
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0)
const rateOf = (figures: Figures) => figures.throughput.delivered / figures.throughput.seconds
const p99 = (figures: Figures) => percentile(figures.latency.latencyMs, 99)
const cores = (values: number[]) => `${values.map((value) => fmt(value, 2)).join(' + ')} = ${fmt(sum(values), 2)}`

function loadRows(run: HubRun, baseline: Figures): void {
  const { figures: hub } = run
  const summed = instances > 1 ? ` (sum of the ${instances} instances)` : ''
  const rows: [string, number, number][] = [
    ['delivered msg/s, stored and acked (closed loop)', rateOf(hub), rateOf(baseline)],
    [`end-to-end latency p50 ms at ${rate} msg/s`, percentile(hub.latency.latencyMs, 50), percentile(baseline.latency.latencyMs, 50)],
    [`end-to-end latency p99 ms at ${rate} msg/s`, p99(hub), p99(baseline)],
    [`ack latency p99 ms at ${rate} msg/s`, percentile(hub.latency.ackMs, 99), percentile(baseline.latency.ackMs, 99)],
    [`server CPU ms per 1,000 messages at ${rate} msg/s${summed}`, hub.cpuMsPer1000, baseline.cpuMsPer1000],
    [`CPU cores used during the closed loop${summed}`, sum(hub.cpuCores), sum(baseline.cpuCores)],
    [`peak RSS MiB${summed}`, sum(hub.peakMib), sum(baseline.peakMib)],
  ]
  console.log(`\n| ${run.kind} | hub | baseline | hub/baseline |\n|---|---|---|---|`)
  for (const [name, h, b] of rows) console.log(`| ${name} | ${fmt(h)} | ${fmt(b)} | ${ratio(h, b)} |`)
  for (const [name, result] of [['closed loop', hub.throughput], ['open loop', hub.latency]] as const) {
    console.log(`  hub, ${name}: ${result.sent} sent, ${result.acked} acked, ${result.refused} refused (error frames), ${result.disconnects} disconnects`)
  }
  console.log(`  load generators, CPU cores: hub closed loop ${cores(hub.generatorCores.closed)}, open loop ${cores(hub.generatorCores.open)}`)
  if (instances > 1) console.log(`  per instance: ${hub.cpuCores.map((c) => fmt(c, 2)).join(', ')} CPU cores; Redis server ${fmt(hub.redisCores, 2)}`)
  if (run.history) {
    const { tail, middle } = run.history
    const reads = (r: Reads) => `p50/p95/p99 ${fmt(r.p50, 2)}/${fmt(r.p95, 2)}/${fmt(r.p99, 2)} ms (hub CPU ${fmt(r.cpuMs, 2)} ms a read)`
    console.log(`  history, ${historyRows.toLocaleString('en')} messages, limit=50, after ${WARM_UP_READS} warm-up reads of each kind: newest page ${reads(tail)}; middle page ${reads(middle)}`)
  }
}

export function report(runs: HubRun[], baseline: Figures, idle: IdleResult, connects: ConnectResult[]): void {
  console.log(`\nbaseline relay: ${baseline.throughput.sent} sent; load generators, CPU cores: closed loop ${cores(baseline.generatorCores.closed)}, open loop ${cores(baseline.generatorCores.open)}`)
  for (const run of runs) loadRows(run, baseline)
  console.log(`\n| idle connections | connects/s | KiB per idle connection |\n|---|---|---|\n| ${idle.connections} | ${fmt(idle.connectsPerSecond, 0)} | ${fmt(idle.kibPerConnection)} |`)
  const credentials = { keyless: 'none (keyless, from this machine)', keyed: 'API key alone (Bearer)', jwt: 'HS256 JWT alone (Bearer)' }
  console.log(`\n| connects of existing agents (${connectCount} each, 64 at a time, until welcome) | connects/s | load generators' CPU (cores) |\n|---|---|---|`)
  for (const result of connects) console.log(`| ${credentials[result.mode]} | ${fmt(result.connectsPerSecond, 0)} | ${fmt(result.generatorCores, 2)} |`)

  const relay = rateOf(baseline)
  const table: [string, string, boolean][] = []
  const sqlite = runs.find((run) => run.kind === 'sqlite')
  const postgres = runs.find((run) => run.kind === 'postgres')
  if (sqlite) {
    const { figures } = sqlite
    table.push(['SQLite msg/s ÷ relay, same run (≥ 0.5×)', `${fmt(rateOf(figures) / relay, 2)}× (${fmt(rateOf(figures), 0)} vs ${fmt(relay, 0)})`, rateOf(figures) >= 0.5 * relay])
    table.push([`SQLite e2e p99 at ${rate} msg/s (≤ 3 ms)`, `${fmt(p99(figures), 2)} ms (relay ${fmt(p99(baseline), 2)})`, p99(figures) <= 3])
    const cpu = figures.cpuMsPer1000
    table.push([`hub CPU per 1,000 messages at ${rate} msg/s (≤ 2× relay)`, `${fmt(cpu, 0)} ms (relay ${fmt(baseline.cpuMsPer1000, 0)})`, cpu <= 2 * baseline.cpuMsPer1000])
  }
  if (postgres) {
    const { figures } = postgres
    table.push(['PostgreSQL msg/s ÷ relay (≥ 0.4×)', `${fmt(rateOf(figures) / relay, 2)}× (${fmt(rateOf(figures), 0)})`, rateOf(figures) >= 0.4 * relay])
    table.push([`PostgreSQL e2e p99 at ${rate} msg/s (≤ 8 ms)`, `${fmt(p99(figures), 2)} ms`, p99(figures) <= 8])
  }
  const history = runs.filter((run) => run.history)
  if (history.length > 0) {
    const p = history.map((run) => `${fmt(run.history?.tail.p99 as number, 2)} ms ${run.kind}`).join(', ')
    table.push([`history limit=50 p99 at ${historyRows.toLocaleString('en')} rows (≤ 3 ms)`, p, history.every((run) => (run.history?.tail.p99 as number) <= 3)])
  }
  for (const result of connects) table.push([`connects/s, ${result.mode} (≥ 2,000)`, fmt(result.connectsPerSecond, 0), result.connectsPerSecond >= 2000])
  const clean = runs.every((run) => [run.figures.throughput, run.figures.latency].every((r) => r.refused === 0 && r.disconnects === 0))
  table.push(['on defaults: no refusals, no disconnects', clean ? 'none' : 'SOME', clean])
  console.log('\n| figure (hub on its defaults) | measured | target |\n|---|---|---|')
  for (const [name, value, met] of table) console.log(`| ${name} | ${value} | ${met ? 'met' : 'MISSED'} |`)
}

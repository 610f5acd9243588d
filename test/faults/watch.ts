// Watching a hub process while an abuse runs: /healthz probed back to back (with a short pause),
// the process's resident memory sampled from /proc, and the hub's own longest event-loop delay
// meanwhile (nodejs_eventloop_lag_max_seconds at /metrics, which each scrape resets), and the
// stalls and GC pauses the hub noted meanwhile (stall-probe.ts). The probes run in a process of their own, so that what the test process itself does meanwhile (sending
// the abuse, parsing what comes back) does not count as the hub's latency; on a loaded machine a
// probe still waits for the processes to be scheduled, which the loop's own delay leaves out, and
// a stall's CPU time tells the hub's own work from waiting for a core.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { appendFileSync } from 'node:fs'
import type { FaultHub } from './harness.js'

export interface Watched {
  healthzMaxMs: number
  /** With fewer than 100 probes, p99 is the maximum: p90 says how often a slow probe came. */
  healthzP99Ms: number
  healthzP90Ms: number
  healthzP50Ms: number
  probes: number
  /** The hub's longest event-loop delay during the watch. */
  loopMaxMs: number
  /** The longest gap between the hub's 2 ms timer runs, and how long its main thread ran (its own work) in it. */
  stallMaxMs: number
  stallRanMs: number
  /** The longest stretch the hub's main thread ran in one stall: the hub's own blocking, whatever the machine's load. */
  stallRanMaxMs: number
  /** The hub's longest garbage collection pause. */
  gcMaxMs: number
  rssMaxMb: number
}

/** The prober: probes until its stdin ends, then prints what it saw as JSON. */
const PROBER = `
const { readFileSync } = require('node:fs')
const [url, pid] = process.argv.slice(1)
const latencies = []
let rssMax = 0
let running = true
process.stdin.on('end', () => (running = false)).resume()
const rss = () => {
  try {
    const match = /VmRSS:\\s+(\\d+) kB/.exec(readFileSync('/proc/' + pid + '/status', 'utf8'))
    return match ? Number(match[1]) : 0
  } catch {
    return 0
  }
}
const loopMax = async () => {
  const text = await (await fetch(url + '/metrics')).text()
  return Number(/^nodejs_eventloop_lag_max_seconds (\\S+)$/m.exec(text)?.[1] ?? 0) * 1000
}
;(async () => {
  await loopMax()
  while (running) {
    rssMax = Math.max(rssMax, rss())
    const started = performance.now()
    await fetch(url + '/healthz').then((r) => r.arrayBuffer(), () => undefined)
    latencies.push(performance.now() - started)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
  const sorted = latencies.sort((a, b) => a - b)
  const loopMaxMs = Math.round(await loopMax())
  process.stdout.write(JSON.stringify({
    loopMaxMs,
    healthzMaxMs: Math.round(sorted.at(-1) ?? 0),
    healthzP99Ms: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
    healthzP90Ms: Math.round(sorted[Math.floor(sorted.length * 0.9)] ?? 0),
    healthzP50Ms: Math.round(sorted[Math.floor(sorted.length * 0.5)] ?? 0),
    probes: sorted.length,
    rssMaxMb: Math.round(rssMax / 1024),
  }))
})()
`

/** Probes /healthz (one at a time, back to back with a short pause) and samples RSS until stopped. */
export function watch(hub: FaultHub): { stop(): Promise<Watched> } {
  const prober = spawn(process.execPath, ['-e', PROBER, hub.url, String(hub.process.child.pid)], { stdio: ['pipe', 'pipe', 'inherit'] })
  let output = ''
  prober.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(prober, 'exit')
  const noted = hub.process.stderr().length
  return {
    stop: async () => {
      prober.stdin.end()
      await exited
      const log = hub.process.stderr().slice(noted)
      // With a CPU profile (harness.ts), the watch's own stall lines beside it.
      if (process.env.FAULT_CPU_PROF) appendFileSync(`${process.env.FAULT_CPU_PROF}/watched-${hub.process.child.pid}.stderr`, log)
      return { ...(JSON.parse(output) as Omit<Watched, 'stallMaxMs' | 'stallRanMs' | 'stallRanMaxMs' | 'gcMaxMs'>), ...stalls(log) }
    },
  }
}

/** The longest stall and GC pause in the lines stall-probe.ts wrote. */
function stalls(log: string): Pick<Watched, 'stallMaxMs' | 'stallRanMs' | 'stallRanMaxMs' | 'gcMaxMs'> {
  let stall = { wall: 0, ran: 0 }
  let ranMax = 0
  let gcMaxMs = 0
  for (const line of log.split('\n')) {
    const gap = /^hub-stall wall_ms=(\S+) ran_ms=(\S+) /.exec(line)
    if (gap && Number(gap[1]) > stall.wall) stall = { wall: Number(gap[1]), ran: Number(gap[2]) }
    if (gap) ranMax = Math.max(ranMax, Number(gap[2]))
    const gc = /^hub-gc kind=\S+ ms=(\S+)$/.exec(line)
    if (gc) gcMaxMs = Math.max(gcMaxMs, Number(gc[1]))
  }
  return { stallMaxMs: Math.round(stall.wall), stallRanMs: Math.round(stall.ran), stallRanMaxMs: Math.round(ranMax), gcMaxMs: Math.round(gcMaxMs) }
}

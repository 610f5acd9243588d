// Watching a hub process while an abuse runs: /healthz probed back to back (with a short pause),
// the process's resident memory sampled from /proc, and the hub's own longest event-loop delay
// meanwhile (nodejs_eventloop_lag_max_seconds at /metrics, which each scrape resets). The probes
// run in a process of their own, so that what the test process itself does meanwhile (sending
// the abuse, parsing what comes back) does not count as the hub's latency; on a loaded machine a
// probe still waits for the processes to be scheduled, which the loop's own delay leaves out.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { FaultHub } from './harness.js'

export interface Watched {
  healthzMaxMs: number
  healthzP99Ms: number
  healthzP50Ms: number
  probes: number
  /** The hub's longest event-loop delay during the watch. */
  loopMaxMs: number
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
  return {
    stop: async () => {
      prober.stdin.end()
      await exited
      return JSON.parse(output) as Watched
    },
  }
}

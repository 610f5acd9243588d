// Watching a hub process while an abuse runs: /healthz probed back to back (with a short pause),
// and the process's resident memory sampled from /proc.
import { readFileSync } from 'node:fs'
import type { FaultHub } from './harness.js'

export interface Watched {
  healthzMaxMs: number
  healthzP99Ms: number
  probes: number
  rssMaxMb: number
}

/** Probes /healthz (one at a time, back to back with a short pause) and samples RSS until stopped. */
export function watch(hub: FaultHub): { stop(): Promise<Watched> } {
  const latencies: number[] = []
  let rssMax = 0
  let running = true
  const loop = (async () => {
    while (running) {
      rssMax = Math.max(rssMax, rssOf(hub.process.child.pid))
      const started = performance.now()
      await fetch(`${hub.url}/healthz`).then(
        (r) => r.arrayBuffer(),
        () => undefined,
      )
      latencies.push(performance.now() - started)
      await new Promise((resolve) => setTimeout(resolve, 25))
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      const sorted = [...latencies].sort((a, b) => a - b)
      return {
        healthzMaxMs: Math.round(sorted.at(-1) ?? 0),
        healthzP99Ms: Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0),
        probes: sorted.length,
        rssMaxMb: Math.round(rssMax / 1024),
      }
    },
  }
}

function rssOf(pid: number | undefined): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return match ? Number(match[1]) : 0
  } catch {
    return 0
  }
}

// Loaded into a fault hub (node --import) to tell the hub's own blocking from the machine's: a
// timer every 2 ms notes each gap between its runs longer than STALL_MS, split by the main
// thread's scheduler statistics (/proc/self/task/<pid>/schedstat) into the time the thread ran
// (the hub's own work), waited for a core (other processes), and the rest (blocked in the kernel,
// an fsync say); and each garbage collection pause longer than GC_MS. One line each on stderr,
// which watch.ts reads back for the span of its watch.
import { readFileSync } from 'node:fs'
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks'

const STALL_MS = 20
const GC_MS = 5
const GC_KINDS: Record<number, string> = { 1: 'scavenge', 2: 'mark-compact', 4: 'incremental', 8: 'weak' }
const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`

/** The main thread's time on a core and waiting for one, in ms (zeros where /proc has none). */
function schedule(): { ran: number; waited: number } {
  try {
    const [ran = 0, waited = 0] = readFileSync(SCHEDSTAT, 'utf8').split(' ').map(Number)
    return { ran: ran / 1e6, waited: waited / 1e6 }
  } catch {
    return { ran: 0, waited: 0 }
  }
}

let last = performance.now()
let lastSchedule = schedule()
setInterval(() => {
  const now = performance.now()
  const current = schedule()
  const wall = now - last
  if (wall > STALL_MS) {
    const ran = current.ran - lastSchedule.ran
    const waited = current.waited - lastSchedule.waited
    const blocked = Math.max(0, wall - ran - waited)
    process.stderr.write(`hub-stall wall_ms=${wall.toFixed(1)} ran_ms=${ran.toFixed(1)} waited_ms=${waited.toFixed(1)} blocked_ms=${blocked.toFixed(1)} end_us=${process.hrtime.bigint() / 1000n}\n`)
  }
  last = now
  lastSchedule = current
}, 2).unref()

new PerformanceObserver((list) => {
  for (const entry of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
    if (entry.duration <= GC_MS) continue
    const kind = entry.detail?.kind ?? 0
    process.stderr.write(`hub-gc kind=${GC_KINDS[kind] ?? kind} ms=${entry.duration.toFixed(1)}\n`)
  }
}).observe({ entryTypes: ['gc'] })

// Preloaded into the hub by bench/history-trace.ts (node --import): each history read's start and
// finish, as the HTTP server sees them, with the main thread's CPU time and time spent waiting for
// a core (/proc schedstat) at both; every GC; all in epoch ms. Written to TRACE_FILE on SIGUSR2.
// With HEAP_SAMPLE_AT=n, a sampled heap profile of reads n to n+999, collected objects included
// (what a read leaves for the GC), to TRACE_FILE.heapprofile.
import dc from 'node:diagnostics_channel'
import { readFileSync, writeFileSync } from 'node:fs'
import type { IncomingMessage } from 'node:http'
import { Session } from 'node:inspector'
import { PerformanceObserver, performance } from 'node:perf_hooks'

const file = process.env.TRACE_FILE as string
const schedstat = `/proc/self/task/${process.pid}/schedstat`
/** The main thread's CPU time and run-queue wait so far (ns). */
const sched = (): number[] => (process.env.TRACE_SCHED === '0' ? [0, 0] : readFileSync(schedstat, 'latin1').split(' ').slice(0, 2).map(Number))
const origin = performance.timeOrigin
const reads: number[][] = []
const gcs: number[][] = []
const starts = new WeakMap<IncomingMessage, number[]>()
const isRead = (request: IncomingMessage) => request.url?.includes('/messages') === true

dc.subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: IncomingMessage }
  if (isRead(request)) starts.set(request, [origin + performance.now(), ...sched()])
})
dc.subscribe('http.server.response.finish', (message) => {
  const start = starts.get((message as { request: IncomingMessage }).request)
  if (start === undefined) return
  const [cpu, wait] = sched()
  reads.push([start[0] as number, origin + performance.now(), start[1] as number, start[2] as number, cpu as number, wait as number])
})
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcs.push([origin + entry.startTime, entry.duration, (entry as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0])
}).observe({ entryTypes: ['gc'] })
process.on('SIGUSR2', () => writeFileSync(file, JSON.stringify({ reqs: reads, gcs })))

const sampleAt = Number(process.env.HEAP_SAMPLE_AT ?? 0)
if (sampleAt > 0) {
  const session = new Session()
  session.connect()
  let count = 0
  dc.subscribe('http.server.request.start', (message) => {
    if (!isRead((message as { request: IncomingMessage }).request)) return
    count++
    const sampling = { samplingInterval: 1024, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }
    if (count === sampleAt) session.post('HeapProfiler.startSampling', sampling)
    if (count === sampleAt + 1000) session.post('HeapProfiler.stopSampling', (error, result) => writeFileSync(`${file}.heapprofile`, JSON.stringify(error ?? result.profile)))
  })
}

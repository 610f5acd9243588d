// The fault figures: runs the fault tests (test/faults, a real hub process each) on SQLite and on
// PostgreSQL, one test file at a time, and prints each abuse's line — sent, retried, acked, stored,
// delivered, lost, duplicates, whether the hub process stayed up, /healthz latency (max, p99,
// p90, p50), the hub's longest event-loop delay, its longest stall with how long its main thread
// ran in it (ran_max_ms: the hub's own blocking, apart from waiting for a core), its longest GC
// pause, and hub RSS.
// Usage: tsx bench/faults.ts [sqlite|postgres …] [--only FILTER] [--channels N] [--cpu-prof DIR]
//   --only: only the tests whose name matches (vitest -t); --channels: how many channels the
//   many-channels abuse opens (default 300); --cpu-prof: each hub writes a V8 CPU profile to DIR,
//   its stderr beside it (hub-stall lines: end_us is on the profile's clock) and each watch's own.
import { spawnSync } from 'node:child_process'
import { parseArgs } from 'node:util'

const { values: options, positionals } = parseArgs({
  allowPositionals: true,
  options: { only: { type: 'string' }, channels: { type: 'string' }, 'cpu-prof': { type: 'string' } },
})
const kinds = positionals.length > 0 ? positionals : ['sqlite', 'postgres']
let failed = false
for (const kind of kinds) {
  // One test file at a time (vitest runs three at once otherwise): each figure is of one abuse
  // going on, against one hub, not of several hubs and abuses sharing the machine's two cores.
  const run = spawnSync('npx', ['vitest', 'run', 'test/faults/', '--no-file-parallelism', ...(options.only ? ['-t', options.only] : [])], {
    env: {
      ...process.env,
      HUB_TEST_DATABASE: kind,
      NO_COLOR: '1',
      ...(options.channels ? { FAULT_MANY_CHANNELS: options.channels } : {}),
      ...(options['cpu-prof'] ? { FAULT_CPU_PROF: options['cpu-prof'] } : {}),
    },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  // eslint-disable-next-line no-control-regex
  const output = `${run.stdout}${run.stderr}`.replace(/\u001b\[[0-9;]*m/g, '')
  const lines = output.split('\n').flatMap((line) => {
    const figures = /(FAULT .*|fault .*|one bad message .*transactions)$/.exec(line)
    return figures ? [figures[1] as string] : []
  })
  const summary = output.split('\n').filter((line) => /^\s*(Tests|Test Files|FAIL)\s/.test(line))
  console.log(`\n== ${kind} ==`)
  for (const line of lines) console.log(line.replace(/^FAULT /, ''))
  for (const line of summary) console.log(line.trim())
  failed ||= run.status !== 0
}
process.exitCode = failed ? 1 : 0

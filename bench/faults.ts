// The fault figures: runs the fault tests (test/faults, a real hub process each) on SQLite and on
// PostgreSQL, one run at a time, and prints each abuse's line — sent, retried, acked, stored,
// delivered, lost, duplicates, whether the hub process stayed up, /healthz latency and hub RSS.
// Usage: tsx bench/faults.ts [sqlite|postgres …]
import { spawnSync } from 'node:child_process'

const kinds = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['sqlite', 'postgres']
let failed = false
for (const kind of kinds) {
  const run = spawnSync('npx', ['vitest', 'run', 'test/faults/'], {
    env: { ...process.env, HUB_TEST_DATABASE: kind, NO_COLOR: '1' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  // eslint-disable-next-line no-control-regex
  const output = `${run.stdout}${run.stderr}`.replace(/\u001b\[[0-9;]*m/g, '')
  const lines = output.split('\n').flatMap((line) => {
    const figures = /(FAULT .*|one bad message .*transactions)$/.exec(line)
    return figures ? [figures[1] as string] : []
  })
  const summary = output.split('\n').filter((line) => /^\s*(Tests|Test Files|FAIL)\s/.test(line))
  console.log(`\n== ${kind} ==`)
  for (const line of lines) console.log(line.replace(/^FAULT /, ''))
  for (const line of summary) console.log(line.trim())
  failed ||= run.status !== 0
}
process.exitCode = failed ? 1 : 0

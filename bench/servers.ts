// Starting the systems under test as their own processes (the hub as `npm start` runs it, the
// baseline relay) with the tests' process helpers, and reading their CPU time and peak memory
// from /proc.
import { execFileSync, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { loadConfig } from '../src/config.js'
import { spawnEntry, waitReady } from '../test/helpers/process.js'

const TICKS_PER_SECOND = 100
const START_TIMEOUT_MS = 30_000

export interface Server {
  name: string
  child: ChildProcess
  port: number
  stop: () => Promise<void>
}

/** The hub as `npm start` runs it: its build, on the default log level (the tests' processes log at warn). */
const HUB_ENTRY = 'dist/src/server.js'
const HUB_DEFAULTS = { LOG_LEVEL: loadConfig({}).LOG_LEVEL }
let built = false

/** Builds the hub once per benchmark process (`npm run build`, as `npm start` does first). */
function build(): void {
  if (built) return
  execFileSync('npm', ['run', '-s', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })
  built = true
}

export async function startServer(name: 'hub' | 'baseline', port: number, env: Record<string, string> = {}, nodeArgs: string[] = []): Promise<Server> {
  if (name === 'hub') build()
  const server =
    name === 'hub'
      ? spawnEntry(HUB_ENTRY, { ...HUB_DEFAULTS, PORT: String(port), ...env }, nodeArgs)
      : spawnEntry('bench/baseline-relay.ts', { PORT: String(port), ...env }, nodeArgs)
  await waitReady(server, START_TIMEOUT_MS, '/healthz')
  return {
    name,
    child: server.child,
    port,
    stop: async () => {
      await server.stop()
    },
  }
}

/** CPU seconds (user + system) the process has used so far. */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid)
  return user + system
}

/** CPU seconds the process has used so far, in user space and in the kernel. */
export function cpuTimes(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND }
}

/** Resident memory now and at its peak, in MiB. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 }
}

// Runs src/server.ts as a real process, the way `npm start` runs the hub (and, for the benchmark,
// any other entry of the repo the same way).
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { until } from './poll.js'

const root = fileURLToPath(new URL('../..', import.meta.url))

export interface HubProcess {
  child: ChildProcess
  url: string
  stderr: () => string
  stdout: () => string
  exited: Promise<number | null>
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

export function spawnHub(env: Record<string, string>): HubProcess {
  return spawnEntry('src/server.ts', env)
}

/** Runs a TypeScript entry of the repo as its own process, its output collected; `nodeArgs` come after tsx's loader (a .ts --import works). */
export function spawnEntry(entry: string, env: Record<string, string>, nodeArgs: string[] = []): HubProcess {
  // Node itself with tsx's loader, not the tsx CLI: that would run the entry in a grandchild, which a
  // SIGKILL to the CLI leaves running.
  const child = spawn(process.execPath, ['--import', 'tsx', ...nodeArgs, entry], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  let stdout = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    url: `http://127.0.0.1:${env.PORT ?? '8765'}`,
    stderr: () => stderr,
    stdout: () => stdout,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal)
      return exited
    },
  }
}

/** Polls until the process answers `path` (the hub's readiness) with 200; fails if it exits first. */
export async function waitReady(hub: HubProcess, timeoutMs = 20_000, path = '/readyz'): Promise<void> {
  const answered = async () => {
    if (hub.child.exitCode !== null) throw new Error(`process exited ${hub.child.exitCode}: ${hub.stderr()}`)
    return (await fetch(`${hub.url}${path}`).then((r) => r.status, () => 0)) === 200
  }
  await until(answered, timeoutMs, () => `${hub.url}${path} answering 200 (${hub.stderr()})`)
}

// Each test process takes its own block of 24 ports, all below Linux's ephemeral range (32768 and
// up), where the outgoing connections of every test (database, Redis, WebSocket clients) take
// theirs: a port there can be busy at any moment.
let nextPort = 20_000 + (process.pid % 500) * 24
export const freshPort = (): string => String(nextPort++)

// Runs src/server.ts as a real process, the way `npm start` runs the hub.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

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
  // Node itself with tsx's loader, not the tsx CLI: that would run the hub in a grandchild, which a
  // SIGKILL to the CLI leaves running.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
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

/** Polls until the hub answers /readyz with 200 (or the process exits). */
export async function waitReady(hub: HubProcess, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (hub.child.exitCode !== null) throw new Error(`hub exited ${hub.child.exitCode}: ${hub.stderr()}`)
    const status = await fetch(`${hub.url}/readyz`).then((r) => r.status, () => 0)
    if (status === 200) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`hub not ready within ${timeoutMs} ms: ${hub.stderr()}`)
}

// Each test process takes its own block of 24 ports, all below Linux's ephemeral range (32768 and
// up), where the outgoing connections of every test (database, Redis, WebSocket clients) take
// theirs: a port there can be busy at any moment.
let nextPort = 20_000 + (process.pid % 500) * 24
export const freshPort = (): string => String(nextPort++)

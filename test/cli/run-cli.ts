// Runs the `claw-chat-hub` command as a process, from its sources (node with tsx's loader), with
// none of the caller's hub variables: each test says which flags and variables it passes.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../..', import.meta.url))

/**
 * For tests that run the command several times: each run is a process of its own, which on a
 * busy machine takes seconds to start.
 */
export const SEVERAL_RUNS = { timeout: 180_000 }

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface CliProcess {
  child: ChildProcess
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
  /** Resolves once stdout or stderr contains `text`. */
  waitFor: (text: string, stream?: 'stdout' | 'stderr') => Promise<void>
}

export function spawnCli(args: string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  const output = { stdout: '', stderr: '' }
  const waiters: { text: string; stream: 'stdout' | 'stderr'; resolve: () => void }[] = []
  const check = () => {
    for (const waiter of [...waiters]) {
      if (output[waiter.stream].includes(waiter.text)) {
        waiters.splice(waiters.indexOf(waiter), 1)
        waiter.resolve()
      }
    }
  }
  child.stdout?.on('data', (chunk: Buffer) => ((output.stdout += chunk.toString()), check()))
  child.stderr?.on('data', (chunk: Buffer) => ((output.stderr += chunk.toString()), check()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  return {
    child,
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    exited,
    waitFor: (text, stream = 'stdout') =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ text, stream, resolve })
        check()
        void exited.then((code) => reject(new Error(`exited ${code} before printing ${text}: ${output.stdout}${output.stderr}`)))
      }),
  }
}

/** Runs the command to its end; `input` is written to its stdin. */
export async function cli(args: string[], env: Record<string, string> = {}, input = ''): Promise<CliRun> {
  const run = spawnCli(args, env)
  run.child.stdin?.end(input)
  const code = await run.exited
  return { code, stdout: run.stdout(), stderr: run.stderr() }
}

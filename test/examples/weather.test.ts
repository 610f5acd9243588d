// The README's two examples, run as a user would (tsx, separate processes) against a real hub:
// the consumer must print Beijing's forecast and exit 0; the provider must stop cleanly on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'

const root = fileURLToPath(new URL('../..', import.meta.url))
const tsx = `${root}node_modules/.bin/tsx`

interface Run {
  child: ChildProcess
  output: () => string
  exited: Promise<[number | null, NodeJS.Signals | null]>
}

function run(example: string, args: string[], env: Record<string, string> = {}): Run {
  const child = spawn(tsx, [`examples/${example}.ts`, ...args], {
    cwd: root,
    env: { ...process.env, HUB_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>
  return { child, output: () => output, exited }
}

let hub: TestHub
const children: ChildProcess[] = []
beforeAll(async () => {
  hub = await startHub()
})
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL')
  await hub.close()
})

describe('weather examples', () => {
  it('the consumer gets a forecast from the provider, and both exit cleanly', async () => {
    const provider = run('weather-provider', [hub.wsUrl])
    children.push(provider.child)
    await expect.poll(provider.output, { timeout: 20_000 }).toMatch(/weather-svc ready/)

    // The consumer reads the hub from HUB_URL, written with /ws this time.
    const consumer = run('weather-consumer', [], { HUB_URL: `${hub.wsUrl}/ws` })
    children.push(consumer.child)
    const [code] = await consumer.exited
    expect(consumer.output()).toMatch(/weather-svc: Forecast for Beijing: sunny/)
    expect(code).toBe(0)
    await expect.poll(provider.output).toMatch(/ended by weather-consumer/)

    provider.child.kill('SIGTERM')
    const [providerCode] = await provider.exited
    expect(provider.output()).toMatch(/SIGTERM: disconnecting/)
    expect(providerCode).toBe(0)
  })
})

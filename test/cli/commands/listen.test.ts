// `listen` against a real hub: what the agent is sent, live and while it was away, printed
// once each and in order; --channel; and a listener that outlives its hub: it waits for a hub
// that is not up yet, and carries on across a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDatabase, type TempDatabase } from '../../helpers/database.js'
import { startHub, type TestHub } from '../../helpers/hub.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../../helpers/process.js'
import { cli, SEVERAL_RUNS, spawnCli } from '../run-cli.js'

let hub: TestHub
let env: Record<string, string>
beforeAll(async () => {
  hub = await startHub()
  env = { HUB_URL: hub.wsUrl }
})
afterAll(() => hub.close())

type Printed = { seq: number; sender_id: string; content: string; channel_id: string }
const lines = (stdout: string) => stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as Printed)
const send = async (from: string, args: string[], hubEnv = env) => {
  const run = await cli(['--agent', from, 'send', ...args, '--json'], hubEnv)
  expect(run.code, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as Printed
}

describe('listen', SEVERAL_RUNS, () => {
  it('prints what was sent while it was away, then what arrives, once each, as JSON lines', async () => {
    await send('teller', ['--to', 'hearer', 'before'])
    const listener = spawnCli(['--agent', 'hearer', 'listen', '--json', '--count', '3'], env)
    await listener.waitFor('listening as hearer', 'stderr')
    await send('teller', ['--to', 'hearer', 'during 1'])
    await send('teller', ['--to', 'hearer', 'during 2'])
    expect(await listener.exited).toBe(0)
    expect(lines(listener.stdout()).map(({ seq, content }) => [seq, content])).toEqual([
      [1, 'before'],
      [2, 'during 1'],
      [3, 'during 2'],
    ])
  })

  it('prints only the channel named by --channel, as text', async () => {
    const watched = await send('left', ['--to', 'middle', 'watched 1'])
    await send('right', ['--to', 'middle', 'other'])
    const listener = spawnCli(['--agent', 'middle', 'listen', '--channel', watched.channel_id, '--count', '2'], env)
    await listener.waitFor('listening as middle', 'stderr')
    await send('right', ['--to', 'middle', 'other again'])
    await send('left', ['--to', 'middle', 'watched 2'])
    expect(await listener.exited).toBe(0)
    const printed = listener.stdout().trimEnd().split('\n')
    expect(printed).toHaveLength(2)
    expect(printed[0]).toMatch(/^#1 {2}\S+ {2}left: watched 1$/)
    expect(printed[1]).toMatch(/^#2 {2}\S+ {2}left: watched 2$/)
  })

  describe('with a hub that comes and goes', () => {
    let database: TempDatabase
    let process: HubProcess | undefined
    beforeAll(async () => (database = await tempDatabase()))
    afterAll(async () => {
      await process?.stop()
      await database.remove()
    })

    it('waits for the hub, and goes on across a restart without missing or repeating a message', async () => {
      const port = freshPort()
      const hubEnv = { PORT: port, DATABASE_URL: database.url }
      const url = { HUB_URL: `http://127.0.0.1:${port}` }
      const listener = spawnCli(['--agent', 'patient', 'listen', '--json'], url)
      await listener.waitFor('cannot reach the hub', 'stderr')

      process = spawnHub(hubEnv)
      await waitReady(process, 90_000)
      await listener.waitFor('listening as patient', 'stderr')
      await send('caller', ['--to', 'patient', 'first'], url)
      await listener.waitFor('"first"')

      await process.stop()
      await listener.waitFor('reconnecting', 'stderr')
      process = spawnHub(hubEnv)
      await waitReady(process, 90_000)
      await send('caller', ['--to', 'patient', 'second'], url)
      await listener.waitFor('"second"')
      await listener.waitFor('reconnected as patient', 'stderr')

      listener.child.kill('SIGINT')
      expect(await listener.exited).toBe(0)
      expect(lines(listener.stdout()).map((m) => m.content)).toEqual(['first', 'second'])
    })
  })
})

// The /ws connect and close log lines of a real hub process: agent, address, close code,
// duration, frames in and out, and nothing of the credential.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDatabase, type TempDatabase } from '../helpers/database.js'
import { issueKey } from '../helpers/keys.js'
import { until } from '../helpers/poll.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../helpers/process.js'
import { WsAgent } from '../helpers/ws-agent.js'

let hub: HubProcess
let database: TempDatabase
beforeAll(async () => {
  database = await tempDatabase()
  hub = spawnHub({ PORT: freshPort(), DATABASE_URL: database.url, LOG_LEVEL: 'info' })
  await waitReady(hub)
})
afterAll(async () => {
  await hub.stop()
  await database.remove()
})

const logLines = () =>
  hub
    .stdout()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>)

describe('connection log lines', () => {
  it('logs connect and close with agent, address, code, duration and frame counts, never the key', async () => {
    const key = await issueKey(hub.url, 'logged-agent')
    const agent = await WsAgent.connectAs(hub.url.replace('http', 'ws'), '', { headers: { authorization: `Bearer ${key}` } })
    await agent.ask({ type: 'ping' }, 'pong')
    await agent.close()
    await until(() => logLines().some((line) => line.msg === 'ws closed'))

    const connected = logLines().find((line) => line.msg === 'ws connected')
    const closed = logLines().find((line) => line.msg === 'ws closed')
    expect(connected).toMatchObject({ agent_id: 'logged-agent', address: '127.0.0.1' })
    expect(closed).toMatchObject({ agent_id: 'logged-agent', address: '127.0.0.1', code: 1005, frames_in: 1, frames_out: 2 })
    expect(closed?.connection_id).toBe(connected?.connection_id)
    expect(typeof closed?.duration_ms).toBe('number')
    expect(hub.stdout()).not.toContain(key)
  })
})

// The credentials the hub keeps between connects never outlive a change: after a key is revoked,
// replaced or issued to a keyless agent, the very next connect is judged on the new credentials —
// on this instance at once, and on every other instance sharing Redis as soon as it hears of it.
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { startCluster, type TestCluster } from '../helpers/cluster.js'
import { testDatabaseKind } from '../helpers/database.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import { issueKey } from '../helpers/keys.js'
import { until } from '../helpers/poll.js'
import { refusedUpgrade, WsAgent, type Frame } from '../helpers/ws-agent.js'

const bearer = (key: string) => ({ headers: { authorization: `Bearer ${key}` } })

/** Connects and closes: the hub has read (and may keep) the credential afterwards. */
async function welcomed(wsUrl: string, query: string, options = {}): Promise<string> {
  const agent = await WsAgent.connectAs(wsUrl, query, options)
  await agent.close()
  return (agent.welcome as Extract<Frame, { type: 'welcome' }>).agent_id
}

/** The upgrade's HTTP status: 101 if it was accepted. */
const refusal = async (wsUrl: string, query: string, options = {}) =>
  refusedUpgrade(wsUrl, query, options).then(
    ({ status }) => status,
    () => 101,
  )

describe('one hub', () => {
  let hub: TestHub
  afterEach(() => hub.close())

  it('refuses a revoked key on the next connect, and a replaced one, however often they connected before', async () => {
    hub = await startHub()
    const key = await issueKey(hub.httpUrl, 'kept')
    for (let i = 0; i < 3; i++) expect(await welcomed(hub.wsUrl, '', bearer(key))).toBe('kept')
    const replaced = await issueKey(hub.httpUrl, 'kept')
    expect(await refusal(hub.wsUrl, '', bearer(key))).toBe(401)
    expect(await welcomed(hub.wsUrl, '', bearer(replaced))).toBe('kept')
    expect((await fetch(`${hub.httpUrl}/agents/kept/key`, { method: 'DELETE' })).status).toBe(200)
    expect(await refusedUpgrade(hub.wsUrl, '', bearer(replaced))).toMatchObject({
      status: 401,
      body: { error: { message: 'The API key of kept was revoked' } },
    })
    expect(await refusal(hub.wsUrl, '?agent_id=kept')).toBe(401)
  })

  it('refuses a keyless connect once the agent has been issued a key', async () => {
    hub = await startHub()
    for (let i = 0; i < 3; i++) expect(await welcomed(hub.wsUrl, '?agent_id=was-keyless')).toBe('was-keyless')
    const key = await issueKey(hub.httpUrl, 'was-keyless')
    expect(await refusal(hub.wsUrl, '?agent_id=was-keyless')).toBe(401)
    expect(await welcomed(hub.wsUrl, '', bearer(key))).toBe('was-keyless')
  })
})

describe.skipIf(testDatabaseKind() !== 'postgres')('hub instances sharing Postgres and Redis', () => {
  let cluster: TestCluster
  afterAll(() => cluster.stop())

  it('forget a credential changed on another instance', async () => {
    cluster = await startCluster(2)
    const [first, second] = cluster.hubs as [TestCluster['hubs'][number], TestCluster['hubs'][number]]
    const key = await issueKey(first.url, 'roaming')
    for (const hub of cluster.hubs) expect(await welcomed(hub.wsUrl, '', bearer(key))).toBe('roaming')
    for (let i = 0; i < 2; i++) expect(await welcomed(first.wsUrl, '?agent_id=local-first')).toBe('local-first')

    expect((await fetch(`${second.url}/agents/roaming/key`, { method: 'DELETE' })).status).toBe(200)
    await issueKey(second.url, 'local-first')
    // The news crosses Redis: wait for it, then it holds for good.
    await until(async () => (await refusal(first.wsUrl, '', bearer(key))) === 401, 10_000, 'the revoked key refused on the first instance')
    await until(async () => (await refusal(first.wsUrl, '?agent_id=local-first')) === 401, 10_000, 'the keyless connect refused there')
    for (let i = 0; i < 3; i++) {
      expect(await refusal(first.wsUrl, '', bearer(key))).toBe(401)
      expect(await refusal(first.wsUrl, '?agent_id=local-first')).toBe(401)
    }
  })
})

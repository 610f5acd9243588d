// The claim attack from a real second address: the hub listens on every address, as
// `npm start` does, and the attacker connects to this machine's non-loopback address (so the
// hub sees a network peer, not 127.0.0.1). A made-up key, over a read-only GET or at /ws, binds
// nothing; the victim, keyless on loopback, still connects; an issued key works from there.
import { networkInterfaces } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { agentRows, issueKey } from '../helpers/keys.js'
import { refusedUpgrade, WsAgent } from '../helpers/ws-agent.js'

const address = Object.values(networkInterfaces())
  .flat()
  .find((info) => info !== undefined && info.family === 'IPv4' && !info.internal)?.address

let hub: TestHub
let remoteHttp: string
let remoteWs: string

// Without a non-loopback IPv4 address there is no second address to attack from.
describe.skipIf(address === undefined)(`from this machine's network address (${address ?? 'none'})`, () => {
  beforeAll(async () => {
    hub = await startHub({ host: '0.0.0.0' })
    const port = new URL(hub.httpUrl).port
    remoteHttp = `http://${address}:${port}`
    remoteWs = `ws://${address}:${port}`
  })
  afterAll(() => hub.close())

  it('cannot claim an agent that connected keyless, and the agent still connects', async () => {
    const victim = await WsAgent.connect(hub.wsUrl, 'victim')
    await victim.close()
    const before = await agentRows(hub.app)
    const made = { authorization: 'Bearer attacker-made-key-0123456789' }
    const read = await fetch(`${remoteHttp}/channels`, { headers: { ...made, 'x-agent-id': 'victim' } })
    expect(read.status).toBe(401)
    expect(read.headers.get('www-authenticate')).toContain('Bearer')
    expect(await refusedUpgrade(remoteWs, '?agent_id=victim', { headers: made })).toMatchObject({ status: 401 })
    expect(await refusedUpgrade(remoteWs, '?agent_id=victim')).toMatchObject({ status: 401 })
    const issue = await fetch(`${remoteHttp}/agents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"agent_id":"victim"}' })
    expect(issue.status).toBe(401)
    expect(await agentRows(hub.app)).toEqual(before)
    const again = await WsAgent.connect(hub.wsUrl, 'victim')
    expect(again.welcome).toMatchObject({ agent_id: 'victim' })
    await again.close()
  })

  it('admits a network agent by the key the operator issued it', async () => {
    const key = await issueKey(hub.httpUrl, 'network-agent')
    const agent = await WsAgent.connectAs(remoteWs, '', { headers: { authorization: `Bearer ${key}` } })
    expect(agent.welcome).toMatchObject({ agent_id: 'network-agent' })
    await agent.close()
    expect((await fetch(`${remoteHttp}/channels`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200)
  })
})

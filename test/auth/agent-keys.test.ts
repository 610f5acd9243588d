// Agent identity over /ws: the key alone says who connects; keyless agents only from this
// machine; no key is ever bound by what a client presents (the operator issues them); an id
// sent along must match the key; rotate and revoke close open sockets at once. "From the
// network" is played by X-Forwarded-For behind TRUST_PROXY (network.test.ts uses a real
// second address).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { refusedUpgrade, upgradeRefusal, WsAgent } from '../helpers/ws-agent.js'
import { agentRows, issueKey } from '../helpers/keys.js'

const REMOTE = { 'x-forwarded-for': '203.0.113.9' }
const ADMIN_TOKEN = 'operator-token-0123456789'
let hub: TestHub

afterEach(() => hub.close())

const bearer = (key: string) => ({ authorization: `Bearer ${key}` })
const remote = (query: string, headers: Record<string, string> = {}) =>
  refusedUpgrade(hub.wsUrl, query, { headers: { ...REMOTE, ...headers } })

/** Opens /ws with no agent_id at all: the credential says who this is. */
async function connectWith(headers: Record<string, string>, query = ''): Promise<WsAgent> {
  return WsAgent.connectAs(hub.wsUrl, query, { headers })
}

describe('with no configuration', () => {
  beforeEach(async () => {
    hub = await startHub({ env: { TRUST_PROXY: 'true' } })
  })

  it('lets a keyless agent connect from this machine, not from the network', async () => {
    const local = await WsAgent.connect(hub.wsUrl, 'local-agent')
    await local.close()
    expect(await remote('?agent_id=remote-agent')).toMatchObject({
      status: 401,
      body: { error: { code: 'UNAUTHORIZED', message: expect.stringContaining('only from the hub’s own machine') } },
    })
  })

  it('welcomes an agent by its key alone, as a bearer header or as api_key, from anywhere', async () => {
    const key = await issueKey(hub.httpUrl, 'keyed')
    const byHeader = await connectWith({ ...REMOTE, ...bearer(key) })
    expect(byHeader.welcome).toMatchObject({ type: 'welcome', agent_id: 'keyed' })
    const byQuery = await connectWith(REMOTE, `?api_key=${encodeURIComponent(key)}`)
    expect(byQuery.welcome).toMatchObject({ agent_id: 'keyed' })
    const named = await connectWith({ ...REMOTE, ...bearer(key), 'x-agent-id': 'keyed' }, '?agent_id=keyed')
    expect(named.welcome).toMatchObject({ agent_id: 'keyed' })
    await Promise.all([byHeader.close(), byQuery.close(), named.close()])
  })

  it('refuses a made-up key from the network and binds nothing: the victim still connects keyless', async () => {
    const victim = await WsAgent.connect(hub.wsUrl, 'victim')
    await victim.close()
    const before = await agentRows(hub.app)
    for (const made of ['made-up-key-0123456789', 'chk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA']) {
      expect(await remote('?agent_id=victim', bearer(made))).toMatchObject({ status: 401, body: { error: { message: expect.stringContaining('Unknown API key') } } })
      // The read-only REST route that once bound a first key.
      const read = await fetch(`${hub.httpUrl}/channels`, { headers: { ...REMOTE, ...bearer(made), 'x-agent-id': 'victim' } })
      expect(read.status).toBe(401)
      expect(await remote(`?agent_id=fresh-id&api_key=${made}`)).toMatchObject({ status: 401 })
    }
    expect(await agentRows(hub.app)).toEqual(before)
    const again = await WsAgent.connect(hub.wsUrl, 'victim')
    expect(again.welcome).toMatchObject({ agent_id: 'victim' })
    await again.close()
  })

  it('refuses a key presented with another agent’s id (403) and a key-holder connecting keyless', async () => {
    const key = await issueKey(hub.httpUrl, 'owner')
    const before = await agentRows(hub.app)
    expect(await remote('?agent_id=someone-else', bearer(key))).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: 'This credential is owner’s, not someone-else’s' } },
    })
    expect(await remote('', { ...bearer(key), 'x-agent-id': 'someone-else' })).toMatchObject({ status: 403 })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=owner')).toMatchObject({
      status: 401,
      body: { error: { message: 'Missing API key: owner has one, and must present it' } },
    })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=a&api_key=x', { headers: { 'x-agent-id': 'b' } })).toMatchObject({ status: 400 })
    expect(await agentRows(hub.app)).toEqual(before)
  })

  it('answers a refused upgrade with WWW-Authenticate: Bearer', async () => {
    const keyless = await upgradeRefusal(hub.wsUrl, '?agent_id=remote', { headers: REMOTE })
    expect(keyless).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer realm="claw-chat-hub"' } })
    const wrong = await upgradeRefusal(hub.wsUrl, '', { headers: bearer('wrong-key-0123456789') })
    expect(wrong).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer realm="claw-chat-hub", error="invalid_token"' } })
  })

  it('closes a revoked agent’s sockets at once and refuses its key as revoked', async () => {
    const key = await issueKey(hub.httpUrl, 'doomed')
    const agent = await connectWith(bearer(key))
    const revoked = await fetch(`${hub.httpUrl}/agents/doomed/key`, { method: 'DELETE' })
    expect(revoked.status).toBe(200)
    expect((await agent.waitClosed()).code).toBe(4401)
    const before = await agentRows(hub.app)
    expect(await refusedUpgrade(hub.wsUrl, '', { headers: bearer(key) })).toMatchObject({
      status: 401,
      body: { error: { message: 'The API key of doomed was revoked' } },
    })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=doomed')).toMatchObject({ status: 401 })
    expect(await agentRows(hub.app)).toEqual(before)
    // Issued anew, it connects again.
    const renewed = await issueKey(hub.httpUrl, 'doomed')
    const back = await connectWith(bearer(renewed))
    await back.close()
  })

  it('rotates a key: the old one stops working and its sockets close', async () => {
    const oldKey = await issueKey(hub.httpUrl, 'rotating')
    const agent = await connectWith(bearer(oldKey))
    const rotated = await fetch(`${hub.httpUrl}/agents/rotating/key`, { method: 'POST' })
    const { api_key: newKey } = (await rotated.json()) as { api_key: string }
    expect(newKey).toMatch(/^chk_/)
    expect((await agent.waitClosed()).code).toBe(4401)
    expect(await refusedUpgrade(hub.wsUrl, '', { headers: bearer(oldKey) })).toMatchObject({ status: 401 })
    const back = await connectWith(bearer(newKey))
    expect(back.welcome).toMatchObject({ agent_id: 'rotating' })
    await back.close()
  })

  it('lets only this machine’s operator issue keys: a network caller cannot', async () => {
    const attempt = await fetch(`${hub.httpUrl}/agents`, {
      method: 'POST',
      headers: { ...REMOTE, 'content-type': 'application/json' },
      body: JSON.stringify({ agent_id: 'grabbed' }),
    })
    expect(attempt.status).toBe(401)
    const rotate = await fetch(`${hub.httpUrl}/agents/victim/key`, { method: 'POST', headers: REMOTE })
    expect(rotate.status).toBe(401)
    expect(await hub.app.store.agents.get('grabbed')).toBeNull()
  })
})

describe('with HUB_ADMIN_TOKEN', () => {
  beforeEach(async () => {
    hub = await startHub({ env: { HUB_ADMIN_TOKEN: ADMIN_TOKEN } })
  })

  const admin = { ...bearer(ADMIN_TOKEN), 'content-type': 'application/json' }

  it('refuses every keyless connection, loopback included, unissued keys and the admin token', async () => {
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=local-agent')).toMatchObject({ status: 401 })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=local-agent&api_key=self-made-key-0123')).toMatchObject({ status: 401 })
    expect(await refusedUpgrade(hub.wsUrl, '', { headers: bearer(ADMIN_TOKEN) })).toMatchObject({
      status: 401,
      body: { error: { message: expect.stringContaining('HUB_ADMIN_TOKEN is the operator’s') } },
    })
  })

  it('issues a key once (shown once), which then connects the agent by itself', async () => {
    const issued = await fetch(`${hub.httpUrl}/agents`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ agent_id: 'issued-agent', display_name: 'Issued' }),
    })
    expect(issued.status).toBe(201)
    const body = (await issued.json()) as { api_key: string; agent: { agent_id: string; display_name: string } }
    expect(body.agent).toMatchObject({ agent_id: 'issued-agent', display_name: 'Issued' })
    const agent = await connectWith(bearer(body.api_key))
    expect(agent.welcome).toMatchObject({ agent_id: 'issued-agent' })
    await agent.close()
    const again = await fetch(`${hub.httpUrl}/agents`, { method: 'POST', headers: admin, body: JSON.stringify({ agent_id: 'issued-agent' }) })
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ error: { code: 'AGENT_HAS_KEY' } })
    const listed = await (await fetch(`${hub.httpUrl}/agents/issued-agent`, { headers: admin })).text()
    expect(listed).not.toContain(body.api_key)
  })

  it('requires the token on every REST request, loopback included', async () => {
    expect((await fetch(`${hub.httpUrl}/channels`)).status).toBe(401)
    expect((await fetch(`${hub.httpUrl}/channels`, { headers: bearer('wrong-token-0123456789') })).status).toBe(401)
    expect((await fetch(`${hub.httpUrl}/channels`, { headers: admin })).status).toBe(200)
    expect((await fetch(`${hub.httpUrl}/healthz`)).status).toBe(200)
  })

  it('lets only the operator manage keys', async () => {
    const issued = (await (
      await fetch(`${hub.httpUrl}/agents`, { method: 'POST', headers: admin, body: JSON.stringify({ agent_id: 'plain-agent' }) })
    ).json()) as { api_key: string }
    const asAgent = { ...bearer(issued.api_key), 'content-type': 'application/json' }
    const attempt = await fetch(`${hub.httpUrl}/agents`, { method: 'POST', headers: asAgent, body: JSON.stringify({ agent_id: 'sneaky' }) })
    expect(attempt.status).toBe(403)
    expect((await fetch(`${hub.httpUrl}/agents/sneaky`, { headers: admin })).status).toBe(404)
    expect((await fetch(`${hub.httpUrl}/agents/plain-agent/key`, { method: 'DELETE', headers: asAgent })).status).toBe(403)
  })
})

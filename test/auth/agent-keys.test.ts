// Agent identity over /ws: keyless agents only from this machine, trust on first use of a key,
// impersonation refused, and the operator's rotate and revoke closing open sockets at once.
// "From the network" is played by X-Forwarded-For behind TRUST_PROXY (still on loopback).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { refusedUpgrade, WsAgent } from '../helpers/ws-agent.js'

const REMOTE = { headers: { 'x-forwarded-for': '203.0.113.9' } }
const ADMIN_TOKEN = 'operator-token-0123456789'
let hub: TestHub

afterEach(() => hub.close())

const refused = (query: string, headers: Record<string, string> = {}) =>
  refusedUpgrade(hub.wsUrl, query, { headers: { ...REMOTE.headers, ...headers } })

describe('with no configuration', () => {
  beforeEach(async () => {
    hub = await startHub({ env: { TRUST_PROXY: 'true' } })
  })

  it('lets a keyless agent connect from this machine, not from the network', async () => {
    const local = await WsAgent.connect(hub.wsUrl, 'local-agent')
    await local.close()
    expect(await refused('?agent_id=remote-agent')).toMatchObject({ status: 401, body: { error: { code: 'UNAUTHORIZED' } } })
  })

  it('binds an agent id to the first key it presents, from anywhere', async () => {
    const first = await WsAgent.connect(hub.wsUrl, 'claimed', '', { headers: { ...REMOTE.headers, authorization: 'Bearer key-one-0123456789' } })
    await first.close()
    // The id is taken now: another key, or no key even from this machine, is refused.
    expect(await refused('?agent_id=claimed', { authorization: 'Bearer key-two-0123456789' })).toMatchObject({ status: 401 })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=claimed')).toMatchObject({ status: 401 })
    const again = await WsAgent.connect(hub.wsUrl, 'claimed', '&api_key=key-one-0123456789', REMOTE)
    await again.close()
  })

  it('refuses impersonation of an agent that has a key, and leaves its data alone', async () => {
    const owner = await WsAgent.connect(hub.wsUrl, 'weather-provider', '&api_key=owner-key-0123456789')
    await owner.request({ type: 'register_service', service_id: 'weather-svc' }, 'register_service')
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=weather-provider')).toMatchObject({ status: 401 })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=weather-provider&api_key=guess')).toMatchObject({ status: 401 })
    const services = (await (await fetch(`${hub.httpUrl}/services`)).json()) as { services: unknown[] }
    expect(services.services).toEqual([expect.objectContaining({ service_id: 'weather-svc', provider_id: 'weather-provider' })])
    await owner.close()
  })

  it('closes a revoked agent’s sockets at once and refuses its key and a new claim', async () => {
    const agent = await WsAgent.connect(hub.wsUrl, 'doomed', '&api_key=doomed-key-0123456789')
    const revoked = await fetch(`${hub.httpUrl}/agents/doomed/key`, { method: 'DELETE' })
    expect(revoked.status).toBe(200)
    expect((await agent.waitClosed()).code).toBe(4401)
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=doomed&api_key=doomed-key-0123456789')).toMatchObject({ status: 401 })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=doomed&api_key=a-new-claim-0123456')).toMatchObject({ status: 401 })
  })

  it('rotates a key: the old one stops working and its sockets close', async () => {
    const agent = await WsAgent.connect(hub.wsUrl, 'rotating', '&api_key=old-key-0123456789')
    const rotated = await fetch(`${hub.httpUrl}/agents/rotating/key`, { method: 'POST' })
    const { api_key: newKey } = (await rotated.json()) as { api_key: string }
    expect(newKey).toMatch(/^chk_/)
    expect((await agent.waitClosed()).code).toBe(4401)
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=rotating&api_key=old-key-0123456789')).toMatchObject({ status: 401 })
    const back = await WsAgent.connect(hub.wsUrl, 'rotating', '', { headers: { authorization: `Bearer ${newKey}` } })
    await back.close()
  })
})

describe('with HUB_ADMIN_TOKEN', () => {
  beforeEach(async () => {
    hub = await startHub({ env: { HUB_ADMIN_TOKEN: ADMIN_TOKEN } })
  })

  const admin = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }

  it('refuses every keyless connection, loopback included, and unissued keys', async () => {
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=local-agent')).toMatchObject({ status: 401 })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=local-agent&api_key=self-made-key-0123')).toMatchObject({ status: 401 })
  })

  it('issues a key once (shown once), which then connects the agent', async () => {
    const issued = await fetch(`${hub.httpUrl}/agents`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ agent_id: 'issued-agent', display_name: 'Issued' }),
    })
    expect(issued.status).toBe(201)
    const body = (await issued.json()) as { api_key: string; agent: { agent_id: string; display_name: string } }
    expect(body.agent).toMatchObject({ agent_id: 'issued-agent', display_name: 'Issued' })
    const agent = await WsAgent.connect(hub.wsUrl, 'issued-agent', '', { headers: { authorization: `Bearer ${body.api_key}` } })
    await agent.close()
    const again = await fetch(`${hub.httpUrl}/agents`, { method: 'POST', headers: admin, body: JSON.stringify({ agent_id: 'issued-agent' }) })
    expect(again.status).toBe(409)
    expect(await again.json()).toMatchObject({ error: { code: 'AGENT_HAS_KEY' } })
    const listed = await (await fetch(`${hub.httpUrl}/agents/issued-agent`, { headers: admin })).text()
    expect(listed).not.toContain(body.api_key)
  })

  it('requires the token on every REST request, loopback included', async () => {
    expect((await fetch(`${hub.httpUrl}/channels`)).status).toBe(401)
    expect((await fetch(`${hub.httpUrl}/channels`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401)
    expect((await fetch(`${hub.httpUrl}/channels`, { headers: admin })).status).toBe(200)
    expect((await fetch(`${hub.httpUrl}/healthz`)).status).toBe(200)
  })

  it('lets only the operator manage keys', async () => {
    const issued = (await (
      await fetch(`${hub.httpUrl}/agents`, { method: 'POST', headers: admin, body: JSON.stringify({ agent_id: 'plain-agent' }) })
    ).json()) as { api_key: string }
    const asAgent = { authorization: `Bearer ${issued.api_key}`, 'x-agent-id': 'plain-agent', 'content-type': 'application/json' }
    const attempt = await fetch(`${hub.httpUrl}/agents`, { method: 'POST', headers: asAgent, body: JSON.stringify({ agent_id: 'sneaky' }) })
    expect(attempt.status).toBe(403)
    expect((await fetch(`${hub.httpUrl}/agents/sneaky`, { headers: admin })).status).toBe(404)
  })
})

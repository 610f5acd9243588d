// JWTs from the operator's backend (HS256, HUB_JWT_SECRET): `sub` is the agent, on /ws and
// REST. Every bad token is refused with 401 (403 for another agent's id) and a message saying
// what is wrong, and changes no stored credential; the claw_services claim narrows what the
// agent may register and request; an open socket is closed with 4401 when its token expires.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SignJWT, UnsecuredJWT } from 'jose'
import { startHub, type TestHub } from '../helpers/hub.js'
import { agentRows } from '../helpers/keys.js'
import { refusedUpgrade, WsAgent } from '../helpers/ws-agent.js'

const SECRET = 'a-backend-secret-of-32-characters-or-more'
const ISSUER = 'https://backend.example'
const AUDIENCE = 'claw-chat-hub'
let hub: TestHub

beforeAll(async () => {
  hub = await startHub({ env: { HUB_JWT_SECRET: SECRET, HUB_JWT_ISSUER: ISSUER, HUB_JWT_AUDIENCE: AUDIENCE, TRUST_PROXY: 'true' } })
})
afterAll(() => hub.close())

const REMOTE = { 'x-forwarded-for': '203.0.113.30' }
const now = () => Math.floor(Date.now() / 1000)

interface Mint {
  sub?: string
  claims?: Record<string, unknown>
  exp?: number | null
  nbf?: number
  iss?: string
  aud?: string
  secret?: string
}

function mint({ sub = 'jwt-agent', claims = {}, exp = now() + 3600, nbf, iss = ISSUER, aud = AUDIENCE, secret = SECRET }: Mint = {}) {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuer(iss).setAudience(aud).setIssuedAt()
  if (exp !== null) jwt.setExpirationTime(exp)
  if (nbf !== undefined) jwt.setNotBefore(nbf)
  return jwt.sign(new TextEncoder().encode(secret))
}

const bearer = (token: string) => ({ ...REMOTE, authorization: `Bearer ${token}` })

describe('a valid token', () => {
  it('says who connects over /ws, with no agent_id, from the network', async () => {
    const agent = await WsAgent.connectAs(hub.wsUrl, '', { headers: bearer(await mint()) })
    expect(agent.welcome).toMatchObject({ type: 'welcome', agent_id: 'jwt-agent' })
    await agent.close()
    const byQuery = await WsAgent.connectAs(hub.wsUrl, `?agent_id=jwt-agent&api_key=${await mint()}`, { headers: REMOTE })
    expect(byQuery.welcome).toMatchObject({ agent_id: 'jwt-agent' })
    await byQuery.close()
    expect(await hub.app.store.agents.get('jwt-agent')).toMatchObject({ id: 'jwt-agent' })
  })

  it('says who calls over REST', async () => {
    const response = await fetch(`${hub.httpUrl}/channels`, { headers: bearer(await mint({ sub: 'rest-agent' })) })
    expect(response.status).toBe(200)
    const forged = await fetch(`${hub.httpUrl}/services`, {
      method: 'POST',
      headers: { ...bearer(await mint({ sub: 'rest-agent' })), 'content-type': 'application/json' },
      body: JSON.stringify({ service_id: 'rest-svc', provider_id: 'someone-else' }),
    })
    expect(forged.status).toBe(403)
  })
})

describe('a bad token is refused, and changes nothing', () => {
  const alice = (token: string) => refusedUpgrade(hub.wsUrl, '', { headers: bearer(token) })
  const unsecured = () => new UnsecuredJWT({}).setSubject('jwt-agent').setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime('1h').encode()

  const table: [string, () => Promise<string> | string, number, string | RegExp][] = [
    ['malformed', () => 'not.a-jwt.!!', 401, /Unknown API key|Malformed token/],
    ['garbage in three parts', () => 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.c2ln', 401, /Malformed token|signature/],
    ['expired', () => mint({ exp: now() - 60 }), 401, /^The token expired at /],
    ['not yet valid', () => mint({ nbf: now() + 3600 }), 401, /^The token is not valid before /],
    ['alg: none', unsecured, 401, /algorithm is not accepted here \(accepted: HS256\)/],
    ['signed with another secret', () => mint({ secret: 'another-secret-of-32-characters-or-more!' }), 401, 'The token’s signature does not verify'],
    ['from another issuer', () => mint({ iss: 'https://evil.example' }), 401, "The token's issuer is not https://backend.example (HUB_JWT_ISSUER)"],
    ['for another audience', () => mint({ aud: 'another-service' }), 401, "The token's audience is not claw-chat-hub (HUB_JWT_AUDIENCE)"],
    ['without exp', () => mint({ exp: null }), 401, 'The token has no exp claim, which the hub requires'],
    ['with a sub that is no agent id', () => mint({ sub: 'not an id!' }), 401, /sub is not an agent id/],
    ['with a malformed claw_services', () => mint({ claims: { claw_services: { register: 'all' } } }), 401, /claw_services claim must be/],
  ]

  it.each(table)('%s', async (_name, make, status, message) => {
    const before = await agentRows(hub.app)
    const token = await make()
    const refused = await alice(token)
    expect(refused.status).toBe(status)
    expect((refused.body as { error: { message: string } }).error.message).toMatch(message)
    const rest = await fetch(`${hub.httpUrl}/channels`, { headers: bearer(token) })
    expect(rest.status).toBe(status)
    expect(rest.headers.get('www-authenticate')).toBe('Bearer realm="claw-chat-hub", error="invalid_token"')
    expect(await agentRows(hub.app)).toEqual(before)
  })

  it('for agent A, presented as agent B: 403 on /ws and REST', async () => {
    const token = await mint({ sub: 'agent-a' })
    expect(await refusedUpgrade(hub.wsUrl, '?agent_id=agent-b', { headers: bearer(token) })).toMatchObject({
      status: 403,
      body: { error: { code: 'FORBIDDEN', message: 'This credential is agent-a’s, not agent-b’s' } },
    })
    const rest = await fetch(`${hub.httpUrl}/channels`, { headers: { ...bearer(token), 'x-agent-id': 'agent-b' } })
    expect(rest.status).toBe(403)
    expect(await hub.app.store.agents.get('agent-b')).toBeNull()
  })
})

describe('the claw_services claim', () => {
  const claims = { claw_services: { register: ['weather-svc', 'forecast-svc'], request: ['geo-*'] } }

  it('limits what the agent registers and requests over /ws', async () => {
    const agent = await WsAgent.connectAs(hub.wsUrl, '', { headers: bearer(await mint({ sub: 'scoped', claims })) })
    expect(await agent.request({ type: 'register_service', service_id: 'weather-svc' }, 'register_service')).toMatchObject({
      type: 'register_service',
      service_id: 'weather-svc',
    })
    expect(await agent.request({ type: 'register_service', service_id: 'bank-svc' }, 'register_service')).toMatchObject({
      type: 'error',
      code: 'FORBIDDEN',
      message: 'Your token does not let you register service bank-svc (claw_services.register)',
    })
    expect(await agent.request({ type: 'chat_request', service_id: 'bank-svc' }, 'chat_request')).toMatchObject({
      type: 'error',
      code: 'FORBIDDEN',
      message: 'Your token does not let you request service bank-svc (claw_services.request)',
    })
    expect(await agent.request({ type: 'chat_message', target_agent: 'banker', service_id: 'bank-svc', content: 'x' }, 'ack')).toMatchObject({
      type: 'error',
      code: 'FORBIDDEN',
    })
    expect(await hub.app.store.services.get('bank-svc')).toBeNull()
    // A service matching geo-* may be requested: the request goes through (to a provider that is not there).
    expect(await agent.request({ type: 'chat_request', service_id: 'geo-lookup' }, 'chat_request')).toMatchObject({
      type: 'error',
      code: 'SERVICE_NOT_FOUND',
    })
    await agent.close()
  })

  it('limits what the agent registers and requests over REST', async () => {
    const headers = { ...bearer(await mint({ sub: 'scoped-rest', claims })), 'content-type': 'application/json' }
    const post = (url: string, body: object) => fetch(`${hub.httpUrl}${url}`, { method: 'POST', headers, body: JSON.stringify(body) })
    expect((await post('/services', { service_id: 'forecast-svc' })).status).toBe(201)
    const refused = await post('/services', { service_id: 'other-svc' })
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ error: { code: 'FORBIDDEN', message: expect.stringContaining('claw_services.register') } })
    expect((await post('/channels', { provider_id: 'someone', consumer_id: 'scoped-rest', service_id: 'bank-svc' })).status).toBe(403)
    expect((await post('/channels', { provider_id: 'scoped-rest', consumer_id: 'someone', service_id: 'bank-svc' })).status).toBe(403)
    expect(await hub.app.store.services.get('other-svc')).toBeNull()
  })
})

describe('expiry', () => {
  it('closes an open socket with 4401 when its token expires', async () => {
    const token = await mint({ sub: 'short-lived', exp: now() + 2 })
    const agent = await WsAgent.connectAs(hub.wsUrl, '', { headers: bearer(token) })
    expect(await agent.waitClosed(10_000)).toEqual({ code: 4401, reason: 'token expired' })
    expect(await refusedUpgrade(hub.wsUrl, '', { headers: bearer(token) })).toMatchObject({ status: 401 })
  })
})

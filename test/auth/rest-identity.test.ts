// REST identity: `Authorization: Bearer <key>` alone says which agent calls (X-Agent-Id, when
// sent, must match); the admin token is the operator's and names no agent; every 401 carries
// WWW-Authenticate: Bearer; and no read — nor any refused request — changes a credential.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { buildTestApp } from '../helpers/hub.js'
import { agentRows } from '../helpers/keys.js'

const REMOTE = '203.0.113.40'
const ADMIN_TOKEN = 'operator-token-0123456789'
let app: App
let close: () => Promise<void>
let aliceKey: string

const admin = { authorization: `Bearer ${ADMIN_TOKEN}` }

beforeAll(async () => {
  ;({ app, close } = await buildTestApp({ env: { HUB_ADMIN_TOKEN: ADMIN_TOKEN } }))
  const issued = await app.inject({ method: 'POST', url: '/agents', headers: admin, payload: { agent_id: 'alice' } })
  aliceKey = issued.json<{ api_key: string }>().api_key
  await app.inject({ method: 'POST', url: '/channels', headers: admin, payload: { provider_id: 'alice', consumer_id: 'bob' } })
  await app.inject({ method: 'POST', url: '/channels', headers: admin, payload: { provider_id: 'carol', consumer_id: 'bob' } })
})
afterAll(() => close())

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers, remoteAddress: REMOTE })

describe('the key alone', () => {
  it('identifies the agent: GET /channels answers with its own channels', async () => {
    const response = await get('/channels', { authorization: `Bearer ${aliceKey}` })
    expect(response.statusCode).toBe(200)
    const { channels } = response.json<{ channels: { provider_id: string }[] }>()
    expect(channels.map((channel) => channel.provider_id)).toEqual(['alice'])
    expect((await get('/channels', { authorization: `Bearer ${aliceKey}`, 'x-agent-id': 'alice' })).statusCode).toBe(200)
  })

  it('sends as its agent', async () => {
    const { channels } = (await get('/channels', { authorization: `Bearer ${aliceKey}` })).json<{ channels: { channel_id: string }[] }>()
    const sent = await app.inject({
      method: 'POST',
      url: `/channels/${channels[0]?.channel_id}/messages`,
      headers: { authorization: `Bearer ${aliceKey}` },
      payload: { content: 'hello bob' },
      remoteAddress: REMOTE,
    })
    expect(sent.statusCode).toBe(201)
    expect(sent.json()).toMatchObject({ sender_id: 'alice' })
  })
})

describe('refusals', () => {
  it('say how to authenticate (WWW-Authenticate: Bearer), with invalid_token when a credential was wrong', async () => {
    const none = await get('/channels')
    expect(none.statusCode).toBe(401)
    expect(none.headers['www-authenticate']).toBe('Bearer realm="claw-chat-hub"')
    const wrong = await get('/channels', { authorization: 'Bearer chk_not-a-key' })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="claw-chat-hub", error="invalid_token"')
    expect(wrong.json()).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.stringContaining('Unknown API key') } })
    expect((await get('/channels', { authorization: `Bearer ${aliceKey}`, 'x-agent-id': 'bob' })).headers['www-authenticate']).toBeUndefined()
  })

  it('refuse a key sent with another agent’s X-Agent-Id (403), and the admin token with one', async () => {
    const mismatch = await get('/channels', { authorization: `Bearer ${aliceKey}`, 'x-agent-id': 'bob' })
    expect(mismatch.statusCode).toBe(403)
    expect(mismatch.json()).toMatchObject({ error: { code: 'FORBIDDEN', message: 'This credential is alice’s, not bob’s' } })
    const operator = await get('/channels', { ...admin, 'x-agent-id': 'bob' })
    expect(operator.statusCode).toBe(403)
    expect((await get('/channels', admin)).statusCode).toBe(200)
  })

  it('change no credential, and neither do reads', async () => {
    const before = await agentRows(app)
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer a-made-up-key-0123456789', 'x-agent-id': 'bob' },
      { authorization: 'Bearer a-made-up-key-0123456789', 'x-agent-id': 'newcomer' },
      { authorization: `Bearer ${aliceKey}`, 'x-agent-id': 'bob' },
      { 'x-agent-id': 'bob' },
    ]) {
      for (const url of ['/channels', '/agents', '/agents/bob', '/services']) await get(url, headers)
    }
    await get('/agents', { authorization: `Bearer ${aliceKey}` })
    await get('/agents/alice', admin)
    expect(await agentRows(app)).toEqual(before)
  })
})

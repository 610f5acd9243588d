// REST authorization, in one place with /ws: an agent (API key + X-Agent-Id) acts only as
// itself and only on its own channels; sender_id and provider_id come from its credentials;
// the operator acts for any agent. Each refusal leaves stored data unchanged.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { buildTestApp } from '../helpers/hub.js'

const REMOTE = '203.0.113.20'
let app: App
let close: () => Promise<void>
const keys = new Map<string, string>()
let channelId: string

beforeAll(async () => {
  ;({ app, close } = await buildTestApp())
  for (const agentId of ['alice', 'bob', 'mallory']) {
    const issued = await app.inject({ method: 'POST', url: '/agents', payload: { agent_id: agentId } })
    keys.set(agentId, issued.json<{ api_key: string }>().api_key)
  }
  const opened = await app.inject({ method: 'POST', url: '/channels', payload: { provider_id: 'alice', consumer_id: 'bob' } })
  channelId = opened.json<{ channel_id: string }>().channel_id
})
afterAll(() => close())

/** A request from another machine, as the agent (or with no credentials). */
function as(agentId: string | undefined, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  const headers: Record<string, string> = agentId ? { authorization: `Bearer ${keys.get(agentId)}`, 'x-agent-id': agentId } : {}
  return app.inject({ method, url, headers, remoteAddress: REMOTE, ...(payload ? { payload } : {}) })
}

const lastSeq = async () => (await app.inject({ url: `/channels/${channelId}` })).json<{ last_seq: number }>().last_seq

describe('credentials over REST', () => {
  it('refuses a caller from another machine without credentials, or with a wrong key', async () => {
    expect((await as(undefined, 'GET', '/channels')).statusCode).toBe(401)
    const wrong = await app.inject({ url: '/channels', remoteAddress: REMOTE, headers: { authorization: 'Bearer nope', 'x-agent-id': 'alice' } })
    expect(wrong.statusCode).toBe(401)
    expect(wrong.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } })
  })
})

describe('sending', () => {
  it('sends as the authenticated agent, with or without sender_id', async () => {
    const before = await lastSeq()
    const sent = await as('bob', 'POST', `/channels/${channelId}/messages`, { content: 'hi alice' })
    expect(sent.statusCode).toBe(201)
    expect(sent.json()).toMatchObject({ sender_id: 'bob', seq: before + 1 })
  })

  it('refuses a forged sender_id and stores nothing', async () => {
    const before = await lastSeq()
    const forged = await as('bob', 'POST', `/channels/${channelId}/messages`, { sender_id: 'alice', content: 'I am alice' })
    expect(forged.statusCode).toBe(403)
    expect(forged.json()).toMatchObject({ error: { code: 'FORBIDDEN' } })
    expect(await lastSeq()).toBe(before)
  })

  it('refuses a stranger sending on the channel', async () => {
    const before = await lastSeq()
    expect((await as('mallory', 'POST', `/channels/${channelId}/messages`, { content: 'spam' })).statusCode).toBe(403)
    expect(await lastSeq()).toBe(before)
  })

  it('requires the operator to name the sender', async () => {
    const response = await app.inject({ method: 'POST', url: `/channels/${channelId}/messages`, payload: { content: 'x' } })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ error: { code: 'BAD_REQUEST' } })
  })
})

describe('reading and ending what is not one’s own', () => {
  it('refuses a foreign channel, its history and its end; lists only one’s own channels', async () => {
    expect((await as('mallory', 'GET', `/channels/${channelId}`)).statusCode).toBe(403)
    expect((await as('mallory', 'GET', `/channels/${channelId}/messages`)).statusCode).toBe(403)
    expect((await as('mallory', 'POST', `/channels/${channelId}/end`, {})).statusCode).toBe(403)
    expect((await as('mallory', 'GET', '/channels?agent_id=alice')).statusCode).toBe(403)
    expect((await as('mallory', 'GET', '/channels')).json()).toMatchObject({ channels: [] })
    expect((await as('alice', 'GET', '/channels')).json<{ channels: unknown[] }>().channels).toHaveLength(1)
    expect((await app.inject({ url: `/channels/${channelId}` })).json()).toMatchObject({ status: 'active' })
  })

  it('refuses opening a channel between two other agents', async () => {
    const response = await as('mallory', 'POST', '/channels', { provider_id: 'alice', consumer_id: 'bob', service_id: undefined })
    expect(response.statusCode).toBe(403)
  })
})

describe('services', () => {
  it('registers a service for oneself only', async () => {
    expect((await as('mallory', 'POST', '/services', { service_id: 'alice-svc', provider_id: 'alice' })).statusCode).toBe(403)
    const mine = await as('mallory', 'POST', '/services', { service_id: 'mallory-svc' })
    expect(mine.statusCode).toBe(201)
    expect(mine.json()).toMatchObject({ provider_id: 'mallory' })
  })
})

describe('hostile values', () => {
  it('stores SQL-looking and unicode content verbatim and keeps the tables intact', async () => {
    const content = "'); DROP TABLE messages; -- 你好 🦀 ﷽ \u202e"
    const sent = await as('bob', 'POST', `/channels/${channelId}/messages`, { content, metadata: { q: "1' OR '1'='1" } })
    expect(sent.statusCode).toBe(201)
    const page = (await as('alice', 'GET', `/channels/${channelId}/messages?limit=1`)).json<{ messages: { content: string }[] }>()
    expect(page.messages[0]?.content).toBe(content)
  })

  it('refuses NUL characters, which a database cannot store, the same way on every database', async () => {
    const before = await lastSeq()
    const response = await as('bob', 'POST', `/channels/${channelId}/messages`, { content: 'a\u0000b' })
    expect(response.statusCode).toBe(400)
    expect(response.json()).toMatchObject({ error: { code: 'INVALID_REQUEST' } })
    expect(await lastSeq()).toBe(before)
  })

  it('refuses SQL-looking ids by their pattern', async () => {
    const response = await app.inject({ url: `/channels?agent_id=${encodeURIComponent("x' OR 1=1 --")}` })
    expect(response.statusCode).toBe(400)
  })

  it('refuses __proto__ keys in a JSON body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: `/channels/${channelId}/messages`,
      headers: { 'content-type': 'application/json' },
      payload: '{"sender_id":"bob","content":"x","__proto__":{"admin":true}}',
    })
    expect(response.statusCode).toBe(400)
    expect(({} as Record<string, unknown>).admin).toBeUndefined()
  })
})

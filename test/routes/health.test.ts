// Operations endpoints (liveness, readiness, Prometheus metrics) and the one JSON error shape for
// failures that never reach a route: unknown routes, malformed bodies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { buildTestApp } from '../helpers/hub.js'

let app: App
let close: () => Promise<void>

beforeAll(async () => {
  ;({ app, close } = await buildTestApp())
})
afterAll(() => close())

/** The value of an unlabelled sample in Prometheus text. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}

describe('health', () => {
  it('GET /healthz answers 200 ok', async () => {
    const response = await app.inject({ method: 'GET', url: '/healthz' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ok' })
  })

  it('GET /readyz answers 200 with the database up', async () => {
    const response = await app.inject({ method: 'GET', url: '/readyz' })
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual({ status: 'ready', database: 'up', connections: 0 })
  })
})

describe('GET /metrics', () => {
  it('serves Prometheus text with the hub gauges and counters', async () => {
    const response = await app.inject({ method: 'GET', url: '/metrics' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/)
    expect(response.body).toContain('# TYPE hub_connections gauge')
    expect(response.body).toContain('# TYPE hub_messages_stored_total counter')
    expect(sample(response.body, 'hub_connections')).toBe(0)
  })

  it('counts stored messages, not repeats of a client_msg_id', async () => {
    const before = sample((await app.inject({ method: 'GET', url: '/metrics' })).body, 'hub_messages_stored_total') ?? 0
    const opened = await app.inject({ method: 'POST', url: '/channels', payload: { provider_id: 'm-prov', consumer_id: 'm-cons' } })
    const channelId = opened.json<{ channel_id: string }>().channel_id
    const payload = { sender_id: 'm-cons', content: 'count me', client_msg_id: 'once' }
    for (let i = 0; i < 2; i++) {
      const sent = await app.inject({ method: 'POST', url: `/channels/${channelId}/messages`, payload })
      expect(sent.statusCode).toBe(i === 0 ? 201 : 200)
    }
    const sent = await app.inject({ method: 'POST', url: `/channels/${channelId}/messages`, payload: { sender_id: 'm-prov', content: 'me too' } })
    expect(sent.statusCode).toBe(201)
    const after = sample((await app.inject({ method: 'GET', url: '/metrics' })).body, 'hub_messages_stored_total')
    expect(after).toBe(before + 2)
  })
})

describe('errors outside the routes', () => {
  it('answers an unknown route with 404 and the JSON error shape', async () => {
    const response = await app.inject({ method: 'GET', url: '/no/such/route' })
    expect(response.statusCode).toBe(404)
    expect(response.headers['content-type']).toMatch(/^application\/json/)
    expect(response.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } })
  })

  it('answers an unknown method on a known path with the JSON error shape', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/healthz' })
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } })
  })

  it('answers a malformed JSON body with 400 and the JSON error shape, without a stack trace', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/channels',
      headers: { 'content-type': 'application/json' },
      payload: '{"provider_id": "a", "consumer_id": ',
    })
    expect(response.statusCode).toBe(400)
    const body = response.json<{ error: { code: string; message: string } }>()
    expect(body).toEqual({ error: { code: expect.any(String), message: expect.any(String) } })
    expect(response.body).not.toMatch(/\bat .+\(.+:\d+:\d+\)|node_modules|stack/i)
  })

  it('answers an unsupported content type with 415 and the JSON error shape', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/channels',
      headers: { 'content-type': 'text/csv' },
      payload: 'provider_id,consumer_id\na,b',
    })
    expect(response.statusCode).toBe(415)
    expect(response.json()).toEqual({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: expect.any(String) } })
  })

  it('answers a body over the limit with 413 and the JSON error shape', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/services',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ service_id: 'big', provider_id: 'big', description: 'x'.repeat(2 * 1024 * 1024) }),
    })
    expect(response.statusCode).toBe(413)
    expect(response.json()).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: expect.any(String) } })
  })
})

// Operator signals: X-Request-Id on every response, and the latency, HTTP, authentication,
// channel and build metrics at /metrics after real traffic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { poll } from '../helpers/poll.js'
import { WsAgent, openChannel, refusedUpgrade } from '../helpers/ws-agent.js'

let hub: TestHub
beforeAll(async () => {
  hub = await startHub()
})
afterAll(() => hub.close())

const metricsText = async () => (await hub.app.inject({ url: '/metrics' })).body
const sample = (text: string, series: string): number => {
  const escaped = series.replace(/[{}"\\]/g, (c) => `\\${c}`)
  const line = new RegExp(`^${escaped} ([0-9.e+-]+)$`, 'm').exec(text)
  return line ? Number(line[1]) : Number.NaN
}

describe('X-Request-Id', () => {
  it('echoes a sane incoming id, and replaces a missing or unreasonable one', async () => {
    const kept = await hub.app.inject({ url: '/healthz', headers: { 'x-request-id': 'req-42.abc' } })
    expect(kept.headers['x-request-id']).toBe('req-42.abc')
    const fresh = await hub.app.inject({ url: '/healthz' })
    expect(fresh.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    const odd = await hub.app.inject({ url: '/healthz', headers: { 'x-request-id': `a b <script>${'x'.repeat(200)}` } })
    expect(odd.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/)
    const refused = await hub.app.inject({ url: '/channels', headers: { authorization: 'Bearer chk_nope', 'x-request-id': 'trace-1' } })
    expect(refused.statusCode).toBe(401)
    expect(refused.headers['x-request-id']).toBe('trace-1')
  })
})

describe('/metrics', () => {
  it('has ack and delivery latency, HTTP duration, auth failures, channels by status and build info', async () => {
    const provider = await WsAgent.connect(hub.wsUrl, 'signals-provider')
    const consumer = await WsAgent.connect(hub.wsUrl, 'signals-consumer')
    await provider.ask({ type: 'register_service', service_id: 'signals' }, 'register_service')
    const channelId = await openChannel(provider, consumer, 'signals')
    await consumer.ask({ type: 'chat_message', channel_id: channelId, content: 'hello' }, 'ack')
    await provider.next('chat_message')
    await hub.app.inject({ url: '/channels', headers: { authorization: 'Bearer chk_unknown' } })
    await hub.app.inject({ url: '/agents' })

    const text = await poll(metricsText, (t) => sample(t, 'hub_delivery_seconds_count') >= 1)
    expect(sample(text, 'hub_ack_seconds_count')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'hub_auth_failures_total{reason="unknown_key"}')).toBeGreaterThanOrEqual(1)
    expect(sample(text, 'hub_auth_failures_total{reason="revoked_key"}')).toBe(0)
    expect(sample(text, 'hub_http_request_duration_seconds_count{method="GET",route="/agents",status_code="200"}')).toBe(1)
    expect(sample(text, 'hub_channels{status="active"}')).toBe(1)
    expect(sample(text, 'hub_channels{status="ended"}')).toBe(0)
    expect(text).toMatch(/^hub_build_info\{version="[^"]+",node="v\d+[^"]*",database="(sqlite|postgresql)"\} 1$/m)
    await provider.close()
    await consumer.close()
  })

  it('counts a refused /ws upgrade by its reason', async () => {
    const before = sample(await metricsText(), 'hub_auth_failures_total{reason="unknown_key"}')
    const refused = await refusedUpgrade(hub.wsUrl, '', { headers: { authorization: 'Bearer chk_not_a_key' } })
    expect(refused.status).toBe(401)
    await poll(metricsText, (t) => sample(t, 'hub_auth_failures_total{reason="unknown_key"}') === before + 1)
  })
})

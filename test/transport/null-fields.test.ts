// JSON null in an optional frame field means the field is absent (clients that write `None` for
// "not given" send it); a null in a required field is still an INVALID_FRAME error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { openChannel, WsAgent } from '../helpers/ws-agent.js'

let hub: TestHub
let provider: WsAgent
let consumer: WsAgent
let channelId: string
beforeAll(async () => {
  hub = await startHub()
  provider = await WsAgent.connect(hub.wsUrl, 'null-provider')
  consumer = await WsAgent.connect(hub.wsUrl, 'null-consumer')
  const registered = await provider.request({ type: 'register_service', service_id: 'null-svc', description: null }, 'register_service')
  expect(registered).toMatchObject({ type: 'register_service', service_id: 'null-svc', description: null })
  channelId = await openChannel(provider, consumer, 'null-svc')
})
afterAll(async () => {
  await provider.close()
  await consumer.close()
  await hub.close()
})

describe('null in optional fields', () => {
  it('sends a message whose optional fields are all null', async () => {
    const frame = { type: 'chat_message', channel_id: channelId, content: 'hi', metadata: null, service_id: null, target_agent: null, client_msg_id: null }
    const ack = await consumer.ask(frame, 'ack')
    expect(ack).toMatchObject({ type: 'ack', channel_id: channelId, seq: 1 })
    expect(ack).not.toHaveProperty('client_msg_id')
    const delivered = await provider.next('chat_message', (f) => f.message_id === ack.message_id)
    expect(delivered).not.toHaveProperty('metadata')
  })

  it('opens the pair channel for target_agent with service_id null, as the seed does', async () => {
    const ack = await consumer.request(
      { type: 'chat_message', target_agent: 'null-provider', content: 'hello', service_id: null, channel_id: null },
      'ack',
    )
    expect(ack).toMatchObject({ type: 'ack', channel_id: channelId })
  })

  it('reads history with null cursors and a null limit', async () => {
    const page = await consumer.ask(
      { type: 'chat_history', channel_id: channelId, service_id: null, limit: null, before_seq: null, after_seq: null },
      'chat_history',
    )
    expect(page.messages.length).toBe(2)
  })

  it('treats a null request_id as no request_id', async () => {
    consumer.send({ type: 'ping', request_id: null })
    expect(await consumer.next('pong')).not.toHaveProperty('request_id')
  })

  it('answers a chat_request with a null message like one without', async () => {
    const other = await WsAgent.connect(hub.wsUrl, 'null-consumer-2')
    other.send({ type: 'chat_request', service_id: 'null-svc', message: null })
    const request = await provider.next('chat_request', (f) => f.consumer_id === 'null-consumer-2')
    expect(request).not.toHaveProperty('message')
    const rejected = await provider.request({ type: 'chat_reject', channel_id: request.channel_id, consumer_id: null, reason: null }, 'chat_reject')
    expect(rejected).toMatchObject({ status: 'rejected' })
    await other.close()
  })
})

describe('null in required fields', () => {
  it.each([
    ['content of chat_message', { type: 'chat_message', channel_id: 'ch_x', content: null }],
    ['channel_id of chat_end', { type: 'chat_end', channel_id: null }],
    ['service_id of chat_request', { type: 'chat_request', service_id: null }],
    ['channels of resume', { type: 'resume', channels: null }],
  ])('refuses a null %s with INVALID_FRAME', async (_name, frame) => {
    const error = await consumer.request(frame, 'error')
    expect(error).toMatchObject({ type: 'error', code: 'INVALID_FRAME' })
  })

  it('keeps nulls inside metadata as data', async () => {
    const ack = await consumer.ask({ type: 'chat_message', channel_id: channelId, content: 'meta', metadata: { note: null } }, 'ack')
    const delivered = await provider.next('chat_message', (f) => f.message_id === ack.message_id)
    expect(delivered.metadata).toEqual({ note: null })
  })
})

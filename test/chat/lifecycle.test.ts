// The channel life cycle over raw /ws frames: request → accept | reject, messages with acks and
// seqs both ways, end, and history. Every refusal it enforces is refusals.test.ts's.
import { describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { consumer, hub, openChannel, provider, useWeatherPair } from './weather-pair.js'

useWeatherPair()

describe('welcome', () => {
  it('is the first frame and carries agent_id, protocol and the frame limit', async () => {
    const socket = new WebSocket(`${hub.wsUrl}/ws?agent_id=first-frame`)
    const first = await new Promise<Record<string, unknown>>((resolve) =>
      socket.once('message', (data: Buffer) => resolve(JSON.parse(data.toString()) as Record<string, unknown>)),
    )
    expect(first).toMatchObject({ type: 'welcome', agent_id: 'first-frame', protocol: 1, max_frame_bytes: 1024 * 1024 })
    socket.close()
  })

  it('answers ping with pong carrying the request_id', async () => {
    const pong = await provider.ask({ type: 'ping' }, 'pong')
    expect(pong.server_time).toEqual(expect.any(String))
  })
})

describe('request, accept and messages', () => {
  it('relays messages both ways with acks and gapless seqs', async () => {
    const channelId = await openChannel()
    const ack1 = await consumer.ask({ type: 'chat_message', channel_id: channelId, content: 'Weather in Beijing?' }, 'ack')
    expect(ack1).toMatchObject({ type: 'ack', channel_id: channelId, seq: 1 })
    expect(ack1.message_id).toMatch(/^msg_/)
    const got1 = await provider.next('chat_message')
    expect(got1).toMatchObject({ message_id: ack1.message_id, sender_id: 'weather-consumer', content: 'Weather in Beijing?', seq: 1 })

    const ack2 = await provider.request(
      { type: 'chat_message', target_agent: 'weather-consumer', content: 'Sunny, 25°C', metadata: { unit: 'C' } },
      'ack',
    )
    expect(ack2).toMatchObject({ channel_id: channelId, seq: 2 })
    const got2 = await consumer.next('chat_message')
    expect(got2).toMatchObject({ sender_id: 'weather-provider', content: 'Sunny, 25°C', metadata: { unit: 'C' }, seq: 2 })
  })

  it('accepts by consumer_id', async () => {
    consumer.send({ type: 'chat_request', service_id: 'weather-svc' })
    const request = await provider.next('chat_request')
    const accepted = await provider.request({ type: 'chat_accept', consumer_id: 'weather-consumer' }, 'chat_accept')
    expect(accepted).toMatchObject({ channel_id: request.channel_id, status: 'active' })
  })

  it('answers a repeated chat_request for an active channel with that channel', async () => {
    const channelId = await openChannel()
    const again = await consumer.request({ type: 'chat_request', service_id: 'weather-svc' }, 'chat_accept')
    expect(again).toMatchObject({ channel_id: channelId, status: 'active' })
  })

  it('rejects with a reason, and a rejected channel takes no messages', async () => {
    consumer.send({ type: 'chat_request', service_id: 'weather-svc', request_id: 9 })
    const request = await provider.next('chat_request')
    const rejected = await provider.request({ type: 'chat_reject', channel_id: request.channel_id, reason: 'Busy' }, 'chat_reject')
    expect(rejected).toMatchObject({ status: 'rejected', reason: 'Busy' })
    expect(await consumer.next('chat_reject')).toMatchObject({ channel_id: request.channel_id, reason: 'Busy', request_id: 9 })
    const refused = await consumer.request({ type: 'chat_message', channel_id: request.channel_id, content: 'hi' }, 'ack')
    expect(refused).toMatchObject({ type: 'error', code: 'CHANNEL_NOT_ACTIVE' })
  })

  it('dedupes a retried client_msg_id: same message, stored and delivered once', async () => {
    const channelId = await openChannel()
    const frame = { type: 'chat_message', channel_id: channelId, content: 'once', client_msg_id: 'c-1' }
    const first = await consumer.ask(frame, 'ack')
    const second = await consumer.ask(frame, 'ack')
    expect(second).toMatchObject({ message_id: first.message_id, seq: first.seq, duplicate: true, client_msg_id: 'c-1' })
    await provider.next('chat_message', (m) => m.client_msg_id === 'c-1')
    const page = await consumer.ask({ type: 'chat_history', channel_id: channelId }, 'chat_history')
    expect(page.messages.length).toBe(1)
    expect(provider.frames.filter((f) => f.type === 'chat_message')).toHaveLength(0)
  })
})

describe('end', () => {
  it('reaches both sides, refuses later messages and a second end', async () => {
    const channelId = await openChannel()
    const ended = await consumer.request({ type: 'chat_end', channel_id: channelId, reason: 'done' }, 'chat_end')
    expect(ended).toMatchObject({ channel_id: channelId, ended_by: 'weather-consumer', reason: 'done' })
    expect(await provider.next('chat_end')).toMatchObject({ channel_id: channelId, ended_by: 'weather-consumer' })
    const late = await provider.request({ type: 'chat_message', channel_id: channelId, content: 'late' }, 'ack')
    expect(late).toMatchObject({ type: 'error', code: 'CHANNEL_NOT_ACTIVE' })
    const twice = await provider.request({ type: 'chat_end', channel_id: channelId }, 'chat_end')
    expect(twice).toMatchObject({ type: 'error', code: 'CHANNEL_NOT_ACTIVE' })
  })

  it('stores a message sent just before the end', async () => {
    const channelId = await openChannel()
    consumer.send({ type: 'chat_message', channel_id: channelId, content: 'last words' })
    await consumer.request({ type: 'chat_end', channel_id: channelId }, 'chat_end')
    const page = await provider.ask({ type: 'chat_history', channel_id: channelId }, 'chat_history')
    expect(page.messages.map((m) => m.content)).toEqual(['last words'])
  })
})

describe('chat_history', () => {
  it('pages oldest first by channel or by service', async () => {
    const channelId = await openChannel()
    for (let i = 1; i <= 5; i++) await consumer.request({ type: 'chat_message', channel_id: channelId, content: `m${i}` }, 'ack')
    const latest = await provider.ask({ type: 'chat_history', channel_id: channelId, limit: 2 }, 'chat_history')
    expect(latest).toMatchObject({ channel_id: channelId, has_more: true })
    expect(latest.messages.map((m) => m.seq)).toEqual([4, 5])
    const before = await provider.ask({ type: 'chat_history', channel_id: channelId, limit: 2, before_seq: 4 }, 'chat_history')
    expect(before.messages.map((m) => m.seq)).toEqual([2, 3])
    const after = await consumer.ask({ type: 'chat_history', service_id: 'weather-svc', after_seq: 3 }, 'chat_history')
    expect(after).toMatchObject({ channel_id: channelId, has_more: false })
    expect(after.messages.map((m) => m.seq)).toEqual([4, 5])
  })
})

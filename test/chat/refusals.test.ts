// What the channel life cycle refuses over raw /ws frames: answers from anyone but the provider,
// requests that do not exist, strangers in a channel, a sender named in the frame, a service id
// another provider holds, and messages without a destination.
import { describe, expect, it } from 'vitest'
import { WsAgent } from '../helpers/ws-agent.js'
import { consumer, hub, openChannel, provider, useWeatherPair } from './weather-pair.js'

useWeatherPair()

describe('refusals', () => {
  it('lets only the provider accept, and only a pending request', async () => {
    consumer.send({ type: 'chat_request', service_id: 'weather-svc' })
    const request = await provider.next('chat_request')
    const byConsumer = await consumer.request({ type: 'chat_accept', channel_id: request.channel_id }, 'chat_accept')
    expect(byConsumer).toMatchObject({ type: 'error', code: 'FORBIDDEN' })
    await provider.request({ type: 'chat_accept', channel_id: request.channel_id }, 'chat_accept')
    const again = await provider.request({ type: 'chat_accept', channel_id: request.channel_id }, 'chat_accept')
    expect(again).toMatchObject({ type: 'error', code: 'CHANNEL_NOT_PENDING' })
  })

  it('refuses accepting requests that do not exist', async () => {
    expect(await provider.request({ type: 'chat_accept', channel_id: 'ch_nope' }, 'chat_accept')).toMatchObject({
      code: 'CHANNEL_NOT_FOUND',
    })
    expect(await provider.request({ type: 'chat_accept', consumer_id: 'nobody' }, 'chat_accept')).toMatchObject({
      code: 'REQUEST_NOT_FOUND',
    })
    expect(await provider.request({ type: 'chat_accept' }, 'chat_accept')).toMatchObject({ code: 'BAD_REQUEST' })
  })

  it('refuses requests for unknown services and for one’s own service', async () => {
    expect(await consumer.request({ type: 'chat_request', service_id: 'ghost-svc' }, 'chat_accept')).toMatchObject({
      code: 'SERVICE_NOT_FOUND',
    })
    expect(await provider.request({ type: 'chat_request', service_id: 'weather-svc' }, 'chat_accept')).toMatchObject({
      code: 'BAD_REQUEST',
    })
  })

  it('keeps strangers out of a channel: no send, no history, no end, nothing stored', async () => {
    const channelId = await openChannel()
    const stranger = await WsAgent.connect(hub.wsUrl, 'stranger')
    const send = await stranger.request({ type: 'chat_message', channel_id: channelId, content: 'intrude' }, 'ack')
    expect(send).toMatchObject({ type: 'error', code: 'FORBIDDEN' })
    const read = await stranger.request({ type: 'chat_history', channel_id: channelId }, 'chat_history')
    expect(read).toMatchObject({ type: 'error', code: 'FORBIDDEN' })
    const end = await stranger.request({ type: 'chat_end', channel_id: channelId }, 'chat_end')
    expect(end).toMatchObject({ type: 'error', code: 'FORBIDDEN' })
    const response = await fetch(`${hub.httpUrl}/channels/${channelId}`)
    expect(await response.json()).toMatchObject({ status: 'active', last_seq: 0 })
    await stranger.close()
  })

  it('takes the sender from the connection, never from the frame', async () => {
    const channelId = await openChannel()
    const ack = await consumer.request(
      { type: 'chat_message', channel_id: channelId, content: 'who am I?', sender_id: 'weather-provider' },
      'ack',
    )
    expect(ack.type).toBe('ack')
    expect(await provider.next('chat_message')).toMatchObject({ sender_id: 'weather-consumer', content: 'who am I?' })
  })

  it('lets no other agent accept or reject a provider’s request', async () => {
    consumer.send({ type: 'chat_request', service_id: 'weather-svc' })
    const request = await provider.next('chat_request')
    const stranger = await WsAgent.connect(hub.wsUrl, 'other-provider')
    for (const type of ['chat_accept', 'chat_reject'] as const) {
      expect(await stranger.request({ type, channel_id: request.channel_id }, type)).toMatchObject({ type: 'error', code: 'FORBIDDEN' })
    }
    const response = await fetch(`${hub.httpUrl}/channels/${request.channel_id}`)
    expect(await response.json()).toMatchObject({ status: 'pending' })
    await stranger.close()
  })

  it('refuses a service id another provider holds', async () => {
    const other = await WsAgent.connect(hub.wsUrl, 'other-provider')
    const taken = await other.request({ type: 'register_service', service_id: 'weather-svc' }, 'register_service')
    expect(taken).toMatchObject({ type: 'error', code: 'SERVICE_TAKEN' })
    await other.close()
  })

  it('refuses messages to unknown channels and without a destination', async () => {
    expect(await consumer.request({ type: 'chat_message', channel_id: 'ch_missing', content: 'x' }, 'ack')).toMatchObject({
      code: 'CHANNEL_NOT_FOUND',
    })
    expect(await consumer.request({ type: 'chat_message', content: 'x' }, 'ack')).toMatchObject({ code: 'BAD_REQUEST' })
    expect(await consumer.request({ type: 'chat_message', target_agent: 'weather-consumer', content: 'x' }, 'ack')).toMatchObject({
      code: 'BAD_REQUEST',
    })
  })
})

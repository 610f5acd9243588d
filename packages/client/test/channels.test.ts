// A channel's life through ChatClient, against a real hub: request, accept or reject,
// messages both ways with acks and seqs, end, history, and the two ways to receive.
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { ChatEnded, ChatRequest, Message } from '@claw-chat-hub/client'
import { take, useHub } from './harness.js'

const h = useHub()

describe('a channel', () => {
  it('carries a request, an accept and messages both ways with acks and seqs', async () => {
    const serviceId = h.unique('svc')
    const provider = await h.connected(h.unique('provider'))
    const consumer = await h.connected(h.unique('consumer'))
    const service = await provider.registerService({ serviceId, description: 'weather' })
    expect(service).toMatchObject({ service_id: serviceId, provider_id: provider.agentId, description: 'weather' })

    const requested = once(provider, 'chat_request')
    const pending = consumer.requestChat({ serviceId, message: 'hello?' })
    const [request] = (await requested) as [ChatRequest]
    expect(request).toMatchObject({ consumer_id: consumer.agentId, provider_id: provider.agentId, service_id: serviceId, message: 'hello?' })
    const consumerSawAccept = once(consumer, 'chat_accept')
    const accepted = await provider.acceptChat({ channelId: request.channel_id })
    expect(accepted).toMatchObject({ channel_id: request.channel_id, status: 'active' })
    const chat = await pending
    expect(chat).toMatchObject({ status: 'accepted', channelId: request.channel_id })
    expect(chat.channel).toMatchObject({ consumer_id: consumer.agentId, provider_id: provider.agentId, service_id: serviceId })
    await consumerSawAccept

    const providerInbox = provider.messages()
    const ack1 = await consumer.sendMessage({ channelId: chat.channelId, content: 'weather in Beijing?', metadata: { lang: 'en' } })
    expect(ack1).toMatchObject({ channel_id: chat.channelId, seq: 1, message_id: expect.stringMatching(/^msg_/) as string })
    expect(ack1.client_msg_id).toMatch(/^[0-9a-f-]{36}$/)
    const [question] = await take(providerInbox, 1)
    expect(question).toMatchObject({
      message_id: ack1.message_id,
      sender_id: consumer.agentId,
      content: 'weather in Beijing?',
      metadata: { lang: 'en' },
      seq: 1,
    })

    const answers: Message[] = []
    consumer.listenForMessages((message) => void answers.push(message))
    const answered = new Promise<void>((resolve) => consumer.listenForMessages(() => resolve()))
    const ack2 = await provider.sendMessage({ channelId: chat.channelId, content: 'sunny, 25°C' })
    expect(ack2.seq).toBe(2)
    await answered
    expect(answers).toMatchObject([{ seq: 2, sender_id: provider.agentId, content: 'sunny, 25°C' }])
  })

  it('opens a channel to a target agent and dedupes a repeated client_msg_id', async () => {
    const sender = await h.connected(h.unique('sender'))
    const receiver = await h.connected(h.unique('receiver'))
    const inbox = receiver.messages()
    const first = await sender.sendMessage({ targetAgent: receiver.agentId, content: 'once', clientMsgId: 'same-key' })
    const again = await sender.sendMessage({ targetAgent: receiver.agentId, content: 'once', clientMsgId: 'same-key' })
    expect(again).toMatchObject({ message_id: first.message_id, seq: first.seq, duplicate: true })
    await sender.sendMessage({ channelId: first.channel_id, content: 'twice' })
    expect((await take(inbox, 2)).map((m) => m.content)).toEqual(['once', 'twice'])
  })

  it('reports a rejection to the consumer, by consumer id', async () => {
    const serviceId = h.unique('svc')
    const provider = await h.connected(h.unique('provider'))
    const consumer = await h.connected(h.unique('consumer'))
    await provider.registerService({ serviceId })
    provider.on('chat_request', (request) => void provider.rejectChat({ consumerId: request.consumer_id }, 'busy'))
    const rejectedEvent = once(consumer, 'chat_reject')
    const chat = await consumer.requestChat({ serviceId })
    expect(chat).toMatchObject({ status: 'rejected', reason: 'busy', channelId: expect.stringMatching(/^ch_/) as string })
    expect(chat.channel.status).toBe('rejected')
    await rejectedEvent
  })

  it('ends for both sides, and refuses messages afterwards', async () => {
    const { provider, consumer, channelId } = await h.openChat()
    const providerSaw = once(provider, 'chat_end')
    const consumerSaw = once(consumer, 'chat_end')
    const ended = await consumer.endChat({ channelId, reason: 'done' })
    expect(ended).toMatchObject({ channel_id: channelId, ended_by: consumer.agentId, reason: 'done' })
    for (const [event] of (await Promise.all([providerSaw, consumerSaw])) as [ChatEnded][]) {
      expect(event).toMatchObject({ channel_id: channelId, ended_by: consumer.agentId, reason: 'done' })
    }
    await expect(provider.sendMessage({ channelId, content: 'too late' })).rejects.toMatchObject({ code: 'CHANNEL_NOT_ACTIVE' })
  })

  it('pages history oldest first, by channel or by service', async () => {
    const { provider, consumer, channelId, serviceId } = await h.openChat()
    for (const content of ['a', 'b', 'c']) await consumer.sendMessage({ channelId, content })
    await provider.sendMessage({ channelId, content: 'd' })

    const all = await consumer.getHistory({ channelId })
    expect(all.messages.map((m) => [m.seq, m.content])).toEqual([[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']])
    expect(all.has_more).toBe(false)
    const latest = await consumer.getHistory({ channelId, limit: 2 })
    expect(latest.messages.map((m) => m.seq)).toEqual([3, 4])
    expect(latest.has_more).toBe(true)
    const older = await consumer.getHistory({ channelId, beforeSeq: 3, limit: 10 })
    expect(older.messages.map((m) => m.seq)).toEqual([1, 2])
    const newer = await provider.getHistory({ channelId, afterSeq: 2, limit: 1 })
    expect(newer).toMatchObject({ channel_id: channelId, has_more: true, messages: [{ seq: 3 }] })
    const byService = await consumer.getHistory({ serviceId })
    expect(byService.channel_id).toBe(channelId)
  })
})

describe('receiving', () => {
  it('holds messages that arrive before anyone listens, and ends messages() on disconnect()', async () => {
    const receiverId = h.unique('offline')
    const sender = await h.connected(h.unique('sender'))
    await sender.sendMessage({ targetAgent: receiverId, content: 'stored for later' })
    await sender.sendMessage({ targetAgent: receiverId, content: 'and this' })

    const receiver = await h.connected(receiverId)
    const seen: string[] = []
    const reading = (async () => {
      for await (const message of receiver.messages()) seen.push(message.content)
    })()
    await sender.sendMessage({ targetAgent: receiverId, content: 'live' })
    await expect.poll(() => seen.length).toBe(3)
    await receiver.disconnect()
    await reading
    expect(seen).toEqual(['stored for later', 'and this', 'live'])
  })

  it('stops calling a handler after unsubscribe', async () => {
    const { provider, consumer, channelId } = await h.openChat()
    const first: string[] = []
    const second: string[] = []
    const stop = provider.listenForMessages((m) => void first.push(m.content))
    provider.listenForMessages((m) => void second.push(m.content))
    await consumer.sendMessage({ channelId, content: 'one' })
    await expect.poll(() => second.length).toBe(1)
    stop()
    await consumer.sendMessage({ channelId, content: 'two' })
    await expect.poll(() => second.length).toBe(2)
    expect(first).toEqual(['one'])
  })
})

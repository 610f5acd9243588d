// Requests across a lost connection: an unacked send is re-sent with the same client_msg_id
// and stored once; a state-changing request in flight fails; calls made while reconnecting
// wait for the next connection, and go out only once the hub has answered its `resume`.
// Sockets are cut for real, from the hub's side.
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { ChatClientOptions, DisconnectedEvent } from '@claw-chat-hub/client'
import { take, text, trace, useHub, type Frame } from './harness.js'

const h = useHub()
const fast: Partial<ChatClientOptions> = { reconnect: { baseMs: 20, maxMs: 100 } }
const withMsgId = (id: string) => (frame: Frame) => frame.type === 'chat_message' && frame.client_msg_id === id

describe('unacked sends', () => {
  it('re-sends a message written to a dying socket, with the same client_msg_id, stored once', async () => {
    const { provider, consumer, channelId } = await h.openChat(fast, fast)
    const providerInbox = provider.messages()
    const reconnected = once(consumer, 'connected')
    const doomed = h.latestTap(consumer)
    doomed.socket.terminate()
    expect(consumer.state).toBe('open') // the client cannot know yet: the frame goes to a dead socket
    const ack = await consumer.sendMessage({ channelId, content: 'survives', clientMsgId: 'k-1' })
    expect(((await reconnected) as [{ reconnected: boolean }])[0].reconnected).toBe(true)

    expect(ack).toMatchObject({ channel_id: channelId, client_msg_id: 'k-1', seq: 1 })
    expect(doomed.received.filter(withMsgId('k-1'))).toHaveLength(0)
    const fresh = h.latestTap(consumer)
    expect(fresh.received.map((f) => f.type)).toEqual(['resume', 'chat_message'])
    expect(fresh.received[1]).toMatchObject({ client_msg_id: 'k-1' })
    expect(trace(fresh.written)).toEqual(['welcome', 'resume', 'ack'])
    const history = await consumer.getHistory({ channelId })
    expect(history.messages.map((m) => m.client_msg_id)).toEqual(['k-1'])
    await consumer.sendMessage({ channelId, content: 'next' })
    expect((await take(providerInbox, 2)).map((m) => m.content)).toEqual(['survives', 'next'])
  })

  it('gets the original ack back when the hub stored the message but the ack was lost', async () => {
    const { provider, consumer, channelId } = await h.openChat(fast, fast)
    const providerInbox = provider.messages()
    const doomed = h.latestTap(consumer)
    // Cut the socket the moment the hub has the frame: it stores it, its ack has nowhere to go.
    doomed.socket.on('message', (data) => {
      if (text(data).includes('"k-2"')) doomed.socket.terminate()
    })
    const ack = await consumer.sendMessage({ channelId, content: 'stored once', clientMsgId: 'k-2' })

    expect(h.tapsOf(consumer).length).toBeGreaterThan(1)
    const copies = h.tapsOf(consumer).flatMap((tap) => tap.received.filter(withMsgId('k-2')))
    expect(copies).toHaveLength(2)
    expect(copies[0]).toEqual(copies[1])
    expect(ack).toMatchObject({ client_msg_id: 'k-2', seq: 1, duplicate: true })
    const history = await provider.getHistory({ channelId })
    expect(history.messages).toMatchObject([{ message_id: ack.message_id, client_msg_id: 'k-2' }])
    await consumer.sendMessage({ channelId, content: 'after' })
    expect((await take(providerInbox, 2)).map((m) => m.seq)).toEqual([1, 2])
  })
})

describe('requests across a reconnect', () => {
  it('fails a state-changing request in flight, and queues calls made while reconnecting', async () => {
    const serviceId = h.unique('svc')
    const provider = await h.connected(h.unique('provider'))
    const consumer = await h.connected(h.unique('consumer'), { reconnect: { baseMs: 200, maxMs: 200, random: () => 0.999 } })
    await provider.registerService({ serviceId })
    const requested = once(provider, 'chat_request')
    const pending = consumer.requestChat({ serviceId })
    await requested
    const reconnecting = once(consumer, 'reconnecting')
    h.latestTap(consumer).socket.terminate()
    await expect(pending).rejects.toMatchObject({ code: 'CONNECTION_LOST' })
    expect(((await reconnecting) as [{ attempt: number }])[0].attempt).toBe(1)
    expect(consumer.state).toBe('reconnecting')
    const queued = consumer.registerService({ serviceId: h.unique('queued') })
    expect(await consumer.connect()).toMatchObject({ agent_id: consumer.agentId }) // waits for the next welcome
    expect(consumer.state).toBe('open')
    expect(h.tapsOf(consumer)).toHaveLength(2)
    expect((await queued).provider_id).toBe(consumer.agentId)
    expect(h.latestTap(consumer).received.map((f) => f.type)).toEqual(['resume', 'register_service'])
  })

  it('without reconnect: ends the iterator with CONNECTION_LOST and refuses further calls', async () => {
    const client = await h.connected(h.unique('fragile'), { reconnect: false })
    const iterator = client.messages()
    const lost = once(client, 'disconnected')
    h.latestTap(client).socket.terminate()
    const [event] = (await lost) as [DisconnectedEvent]
    expect(event).toMatchObject({ willReconnect: false, error: { code: 'CONNECTION_LOST' } })
    await expect(iterator.next()).rejects.toMatchObject({ code: 'CONNECTION_LOST' })
    expect(client.state).toBe('closed')
    await expect(client.sendMessage({ targetAgent: 'x', content: 'y' })).rejects.toMatchObject({ code: 'NOT_CONNECTED' })
  })

  it('disconnect() while reconnecting stops for good and fails what was queued', async () => {
    const client = await h.connected(h.unique('quitter'), { reconnect: { baseMs: 5_000, maxMs: 5_000, random: () => 0.999 } })
    const reconnecting = once(client, 'reconnecting')
    h.latestTap(client).socket.terminate()
    await reconnecting
    const queued = client.getHistory({ serviceId: 'whatever' })
    await client.disconnect()
    await expect(queued).rejects.toMatchObject({ code: 'CLIENT_CLOSED' })
    expect(client.state).toBe('closed')
    expect(h.tapsOf(client)).toHaveLength(1)
  })
})

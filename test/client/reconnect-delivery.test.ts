// Incoming messages across a lost connection arrive exactly once and in order, whether the
// hub held them while the client was away or wrote them to a socket that died unread; and a
// hub that stops answering pings is noticed. Sockets are cut for real: from the hub's side,
// or the client's through the `socketForTesting` hook.
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { ChatClientOptions, DisconnectedEvent, Message } from 'claw-chat-hub/client'
import { socketForTesting } from '../../src/client/chat-session.js'
import { take, useHub } from './harness.js'

const h = useHub()
const fast: Partial<ChatClientOptions> = { reconnect: { baseMs: 20, maxMs: 100 } }

describe('incoming messages across a reconnect', () => {
  it('recovers messages the hub wrote to a socket that died unread, exactly once and in order', async () => {
    const { provider, consumer, channelId } = await h.openChat(fast, fast)
    const inbox = consumer.messages()
    await provider.sendMessage({ channelId, content: 'm1' })
    expect((await take(inbox, 1))[0]!.content).toBe('m1')

    const socket = consumer[socketForTesting]!
    const dying = h.latestTap(consumer)
    // The client stops reading. What the hub writes now is "sent" as far as the hub can tell,
    // but lies in buffers that die with the socket: Node holds a few dozen KB (ws still parses
    // those on close), the kernel holds the rest. 3 × 150 KB guarantees the last one is lost.
    socket.pause()
    const big = (n: number) => `${n}:${'x'.repeat(150_000)}`
    for (const n of [2, 3, 4]) await provider.sendMessage({ channelId, content: big(n) })
    await expect.poll(() => dying.written.filter((f) => f.type === 'chat_message').length).toBe(4)
    const reconnected = once(consumer, 'connected')
    socket.terminate()
    await reconnected

    expect((await take(inbox, 3)).map((m) => [m.seq, m.content.length])).toEqual([[2, 150_002], [3, 150_002], [4, 150_002]])
    await provider.sendMessage({ channelId, content: 'm5' })
    expect((await take(inbox, 1)).map((m) => [m.seq, m.content])).toEqual([[5, 'm5']])
    // Seq 4 reaches the new connection by the hub's replay (when its write to the dead socket
    // had not completed) or by the client's history catch-up (when it had); the client saw it once.
    const fresh = h.latestTap(consumer)
    const replayed = fresh.written.filter((f) => f.type === 'chat_message').map((f) => f.seq)
    const caughtUp = fresh.written
      .filter((f) => f.type === 'chat_history' && f.channel_id === channelId)
      .flatMap((f) => (f.messages as Message[]).map((m) => m.seq))
    expect([...replayed, ...caughtUp]).toContain(4)
  })

  it('delivers messages sent while it was away exactly once, though replay and catch-up overlap', async () => {
    // random() → 0.999: the first retry waits ~400 ms, time for the provider to write meanwhile.
    const { provider, consumer, channelId } = await h.openChat({ reconnect: { baseMs: 400, maxMs: 400, random: () => 0.999 } }, fast)
    const received: Message[] = []
    consumer.listenForMessages((message) => void received.push(message))
    await provider.sendMessage({ channelId, content: 'before' })
    await expect.poll(() => received.length).toBe(1)

    const lost = once(consumer, 'disconnected')
    h.latestTap(consumer).socket.terminate()
    expect(((await lost) as [DisconnectedEvent])[0].willReconnect).toBe(true)
    for (const content of ['away 1', 'away 2', 'away 3']) await provider.sendMessage({ channelId, content })
    await once(consumer, 'connected')
    await provider.sendMessage({ channelId, content: 'back' })

    await expect.poll(() => received.length).toBe(5)
    expect(received.map((m) => [m.seq, m.content])).toEqual([
      [1, 'before'],
      [2, 'away 1'],
      [3, 'away 2'],
      [4, 'away 3'],
      [5, 'back'],
    ])
    const tap = h.latestTap(consumer)
    expect(tap.written.filter((f) => f.type === 'chat_message').map((f) => f.seq)).toEqual([2, 3, 4, 5])
    expect(tap.received).toContainEqual(expect.objectContaining({ type: 'chat_history', after_seq: 1 }))
    const history = await consumer.getHistory({ channelId })
    expect(history.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5])
  })
})

describe('dead peers', () => {
  it('notices a hub that stopped answering pings and reconnects', async () => {
    const client = await h.connected(h.unique('heartbeat'), { ...fast, heartbeatMs: 50 })
    const lost = once(client, 'disconnected')
    const back = once(client, 'connected')
    const stalled = h.latestTap(client).socket
    stalled.pause() // the hub side stops reading: no pong comes back, nothing closes
    expect(((await lost) as [DisconnectedEvent])[0]).toMatchObject({ willReconnect: true })
    await back
    expect(h.tapsOf(client)).toHaveLength(2)
    expect(client.state).toBe('open')
    stalled.terminate() // or the hub's shutdown waits out ws's 30 s close handshake on it
  })
})

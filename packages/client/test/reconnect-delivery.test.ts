// Incoming messages across a lost connection arrive exactly once and in order, through the
// resume handshake: every connection opens with `resume`, carrying the last seq this client
// delivered per channel, and the hub replays exactly what lies beyond it (or, for channels not
// listed, beyond what it last sent the agent). Sockets are cut for real: from the hub's side,
// or the client's through the `socketForTesting` hook.
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { ChatClientOptions, ConnectedEvent, DisconnectedEvent, Message } from '@claw-chat-hub/client'
import { socketForTesting } from '../src/chat-session.js'
import { trace, useHub } from './harness.js'

const h = useHub()
const fast: Partial<ChatClientOptions> = { reconnect: { baseMs: 20, maxMs: 100 } }
const resumeFrame = (channels: { channel_id: string; last_seq: number }[]) => ({ type: 'resume', request_id: 'resume', channels })

describe('incoming messages across a reconnect', () => {
  it('resumes below messages written to a socket that died unread: the hub replays them, once and in order', async () => {
    const { provider, consumer, channelId } = await h.openChat(fast, fast)
    const received: Message[] = []
    consumer.listenForMessages((message) => void received.push(message))
    await provider.sendMessage({ channelId, content: 'm1' })
    await expect.poll(() => received.length).toBe(1)

    const socket = consumer[socketForTesting]!
    const dying = h.latestTap(consumer)
    // The client stops reading. What the hub writes now is "sent" as far as the hub can tell
    // (its own cursor moves past it), but lies in buffers that die with the socket: Node holds
    // a few dozen KB (ws still parses those on close), the kernel holds the rest. 3 × 150 KB
    // guarantees the last one is lost.
    socket.pause()
    const big = (n: number) => `${n}:${'x'.repeat(150_000)}`
    for (const n of [2, 3, 4]) await provider.sendMessage({ channelId, content: big(n) })
    await expect.poll(() => trace(dying.written).filter((f) => typeof f === 'number')).toEqual([1, 2, 3, 4])
    let cursor = 0
    consumer.once('disconnected', () => (cursor = received.at(-1)!.seq))
    const reconnected = once(consumer, 'connected')
    socket.terminate()
    const [event] = (await reconnected) as [ConnectedEvent]

    expect(cursor).toBeGreaterThanOrEqual(1)
    expect(cursor).toBeLessThan(4)
    const missed = [2, 3, 4].filter((seq) => seq > cursor)
    const fresh = h.latestTap(consumer)
    expect(fresh.received).toEqual([resumeFrame([{ channel_id: channelId, last_seq: cursor }])])
    expect(trace(fresh.written)).toEqual(['welcome', ...missed, 'resume'])
    expect(fresh.written.at(-1)).toEqual({ type: 'resume', replayed: missed.length, request_id: 'resume' })
    expect(event).toMatchObject({ reconnected: true, replayed: missed.length })
    // connected fires once the replay is in the inbox.
    expect(received.map((m) => m.seq)).toEqual([1, 2, 3, 4])

    await provider.sendMessage({ channelId, content: 'm5' })
    await expect.poll(() => received.length).toBe(5)
    expect(received.map((m) => [m.seq, m.content.length])).toEqual([[1, 2], [2, 150_002], [3, 150_002], [4, 150_002], [5, 2]])
  })

  it('resumes from the last message it delivered, not from its own acked seqs, and replays what came meanwhile', async () => {
    // random() → 0.999: the first retry waits ~400 ms, time for the provider to write meanwhile.
    const { provider, consumer, channelId } = await h.openChat({ reconnect: { baseMs: 400, maxMs: 400, random: () => 0.999 } }, fast)
    const received: Message[] = []
    consumer.listenForMessages((message) => void received.push(message))
    await provider.sendMessage({ channelId, content: 'before' })
    await expect.poll(() => received.length).toBe(1)
    expect(await consumer.sendMessage({ channelId, content: 'own' })).toMatchObject({ seq: 2 })

    const lost = once(consumer, 'disconnected')
    const back = once(consumer, 'connected')
    h.latestTap(consumer).socket.terminate()
    expect(((await lost) as [DisconnectedEvent])[0].willReconnect).toBe(true)
    for (const content of ['away 1', 'away 2', 'away 3']) await provider.sendMessage({ channelId, content })
    const [event] = (await back) as [ConnectedEvent]
    await provider.sendMessage({ channelId, content: 'back' })

    await expect.poll(() => received.length).toBe(5)
    expect(received.map((m) => [m.seq, m.content])).toEqual([
      [1, 'before'],
      [3, 'away 1'],
      [4, 'away 2'],
      [5, 'away 3'],
      [6, 'back'],
    ])
    const tap = h.latestTap(consumer)
    expect(tap.received).toEqual([resumeFrame([{ channel_id: channelId, last_seq: 1 }])])
    expect(trace(tap.written)).toEqual(['welcome', 3, 4, 5, 'resume', 6])
    expect(event.replayed).toBe(3)
  })

  it('a client restarted from scratch gets what its agent missed: the hub resumes unlisted channels from its own cursor', async () => {
    const { provider, consumer, channelId } = await h.openChat(fast, fast)
    const first: Message[] = []
    consumer.listenForMessages((message) => void first.push(message))
    await provider.sendMessage({ channelId, content: 'seen' })
    await expect.poll(() => first.length).toBe(1)
    await consumer.disconnect()
    for (const content of ['offline 1', 'offline 2']) await provider.sendMessage({ channelId, content })

    const restarted = await h.connected(consumer.agentId, fast)
    const received: string[] = []
    restarted.listenForMessages((message) => void received.push(`${message.seq} ${message.content}`))
    // connect() resolved after the replay: the backlog waits in the inbox for the first listener.
    expect(received).toEqual(['2 offline 1', '3 offline 2'])
    expect(h.latestTap(restarted).received).toEqual([resumeFrame([])])

    await provider.sendMessage({ channelId, content: 'live' })
    await expect.poll(() => received.length).toBe(3)
    expect(received[2]).toBe('4 live')
    expect(trace(h.latestTap(restarted).written)).toEqual(['welcome', 2, 3, 'resume', 4])
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

// When the hub ends a connection, for any of its reasons (shutting down 1001, too many refused
// frames 4400, no pong 4408, slow reader 4429), the client reconnects and resumes where it was;
// and while the hub shuts down (UNAVAILABLE frames, HTTP 503 upgrades) an idempotent send waits
// for the next connection instead of failing. This file's hub pings every 100 ms.
import { once } from 'node:events'
import { describe, expect, it } from 'vitest'
import type { ChatClientOptions, DisconnectedEvent, Message, ReconnectingEvent } from '@claw-chat-hub/client'
import { socketForTesting } from '../src/chat-session.js'
import { useHub } from './harness.js'

const h = useHub({ HEARTBEAT_INTERVAL_MS: '100' })
const fast: Partial<ChatClientOptions> = { reconnect: { baseMs: 20, maxMs: 100 } }

describe('closes by the hub', () => {
  it.each([1001, 4400, 4408, 4429])('reconnects and resumes after close code %i', async (code) => {
    const { provider, consumer, channelId } = await h.openChat(fast, fast)
    const received: Message[] = []
    consumer.listenForMessages((message) => void received.push(message))
    await provider.sendMessage({ channelId, content: 'before' })
    await expect.poll(() => received.length).toBe(1)

    const lost = once(consumer, 'disconnected')
    const back = once(consumer, 'connected')
    h.latestTap(consumer).socket.close(code, 'closed by the test')
    expect(((await lost) as [DisconnectedEvent])[0]).toMatchObject({ code, willReconnect: true })
    await back
    expect(h.latestTap(consumer).received[0]).toEqual({
      type: 'resume',
      request_id: 'resume',
      channels: [{ channel_id: channelId, last_seq: 1 }],
    })
    await provider.sendMessage({ channelId, content: 'after' })
    await expect.poll(() => received.map((m) => m.seq)).toEqual([1, 2])
  })

  it('answers the hub’s pings, and reconnects when it stopped reading and the hub cut it (4408)', async () => {
    const client = await h.connected(h.unique('sleepy'), { ...fast, heartbeatMs: 0 })
    const tap = h.latestTap(client)
    let pongs = 0
    tap.socket.on('pong', () => pongs++)
    await expect.poll(() => pongs, { timeout: 5_000 }).toBeGreaterThanOrEqual(3)

    const hubGaveUp = once(tap.socket, 'close')
    const lost = once(client, 'disconnected')
    const back = once(client, 'connected')
    const socket = client[socketForTesting]!
    socket.pause() // no more pongs: the hub closes with 4408 and drops the socket
    await hubGaveUp
    socket.resume() // the client reads the close frame the hub sent before it let go
    expect(((await lost) as [DisconnectedEvent])[0]).toMatchObject({ code: 4408, willReconnect: true })
    await back
    expect(h.tapsOf(client)).toHaveLength(2)
  })
})

describe('a hub shutting down', () => {
  it('keeps a send refused with UNAVAILABLE, through 503 upgrades, and stores it once the hub is back', async () => {
    const { provider, consumer, channelId } = await h.openChat(fast, fast)
    const received: Message[] = []
    provider.listenForMessages((message) => void received.push(message))
    const attempts: ReconnectingEvent[] = []
    consumer.on('reconnecting', (event) => void attempts.push(event))
    const doomed = h.latestTap(consumer)
    h.hub.app.transport.closing = true
    try {
      const sent = consumer.sendMessage({ channelId, content: 'not lost', clientMsgId: 'k-shutdown' })
      await expect.poll(() => doomed.written.filter((f) => f.type === 'error')).toHaveLength(1)
      const request = doomed.received.find((f) => f.client_msg_id === 'k-shutdown')
      expect(doomed.written.find((f) => f.type === 'error')).toMatchObject({ code: 'UNAVAILABLE', request_id: request?.request_id })
      doomed.socket.close(1001, 'hub shutting down')
      // Two attempts: the first reconnect met the 503 and was scheduled again.
      await expect.poll(() => attempts.length).toBeGreaterThanOrEqual(2)
      expect(h.tapsOf(consumer)).toHaveLength(1)
      h.hub.app.transport.closing = false

      expect(await sent).toMatchObject({ channel_id: channelId, client_msg_id: 'k-shutdown', seq: 1 })
      expect(h.tapsOf(consumer)).toHaveLength(2)
      expect(h.latestTap(consumer).received.map((f) => f.type)).toEqual(['resume', 'chat_message'])
      await expect.poll(() => received.map((m) => m.content)).toEqual(['not lost'])
    } finally {
      h.hub.app.transport.closing = false
    }
  })
})

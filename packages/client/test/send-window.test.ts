// The send window: 100,000 sendMessage calls made in one loop against a hub in its own process
// (on its defaults) all resolve, each acked once, with at most maxInFlight unacked at once and
// the hub's memory bounded (its peak RSS is printed). And a frame refused for now (RATE_LIMITED
// or UNAVAILABLE with retry_after_ms) is sent again, unchanged, after the hint, never thrown.
import { readFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { WebSocketServer, type WebSocket } from 'ws'
import { afterEach, describe, expect, it } from 'vitest'
import { ChatClient } from '@claw-chat-hub/client'
import { tempDatabase } from '../../../test/helpers/database.js'
import { until } from '../../../test/helpers/poll.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../../../test/helpers/process.js'

const cleanups: (() => Promise<unknown>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

const peakRssMib = (pid: number): number => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024

async function hubProcess(): Promise<HubProcess> {
  const database = await tempDatabase()
  const hub = spawnHub({ PORT: freshPort(), DATABASE_URL: database.url })
  cleanups.push(() => database.remove(), () => hub.stop())
  await waitReady(hub, 60_000)
  return hub
}

async function client(hub: HubProcess, agentId: string, maxInFlight?: number): Promise<ChatClient> {
  const chat = new ChatClient({ hubUrl: hub.url, agentId, ...(maxInFlight ? { maxInFlight } : {}) })
  cleanups.push(() => chat.disconnect())
  await chat.connect()
  return chat
}

describe('the send window', () => {
  it('takes 100,000 sendMessage calls in a loop: every one acked once, the hub’s memory bounded', async () => {
    const hub = await hubProcess()
    const provider = await client(hub, 'window-provider')
    const consumer = await client(hub, 'window-consumer')
    let received = 0
    provider.listenForMessages(() => void received++)
    const rssBefore = peakRssMib(hub.child.pid as number)

    // The first message opens the channel; the rest name it.
    const { channel_id: channelId } = await consumer.sendMessage({ targetAgent: 'window-provider', content: 'm0' })
    const count = 100_000
    const sends: Promise<{ seq: number }>[] = []
    for (let i = 1; i <= count; i++) sends.push(consumer.sendMessage({ channelId, content: `m${i}` }))
    const acks = await Promise.all(sends)

    const seqs = acks.map((ack) => ack.seq)
    expect(new Set(seqs).size).toBe(count)
    expect(seqs.reduce((top, seq) => Math.max(top, seq), 0)).toBe(count + 1)
    await until(() => received === count + 1, 60_000)
    const rssPeak = peakRssMib(hub.child.pid as number)
    console.log(`100,000 sendMessage calls: all acked; hub peak RSS ${rssBefore.toFixed(0)} MiB before, ${rssPeak.toFixed(0)} MiB after`)
    expect(rssPeak).toBeLessThan(rssBefore + 200)
  }, 600_000)
})

describe('a frame refused for now', () => {
  /** A hub that welcomes, refuses each message's first write with `code`, and acks the second. */
  async function refusingHub(code: string): Promise<{ url: string; writes: string[] }> {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' })
    cleanups.push(() => new Promise((resolve) => server.close(resolve)))
    const writes: string[] = []
    server.on('connection', (socket: WebSocket) => {
      socket.send(JSON.stringify({ type: 'welcome', agent_id: 'a', protocol: 1, server_time: new Date().toISOString(), max_frame_bytes: 1 << 20 }))
      const seen = new Set<string>()
      let seq = 0
      socket.on('message', (data: Buffer) => {
        const frame = JSON.parse(data.toString()) as { type: string; request_id: string; channel_id?: string }
        if (frame.type === 'resume') return socket.send(JSON.stringify({ type: 'resume', replayed: 0, request_id: frame.request_id }))
        if (frame.type !== 'chat_message') return
        writes.push(data.toString())
        if (!seen.has(frame.request_id)) {
          seen.add(frame.request_id)
          return socket.send(JSON.stringify({ type: 'error', code, message: 'not now', retry_after_ms: 20, request_id: frame.request_id }))
        }
        const timestamp = new Date().toISOString()
        socket.send(JSON.stringify({ type: 'ack', channel_id: 'ch_1', seq: ++seq, timestamp, message_id: `m${seq}`, request_id: frame.request_id }))
      })
    })
    await new Promise((resolve) => server.once('listening', resolve))
    return { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}`, writes }
  }

  for (const code of ['RATE_LIMITED', 'UNAVAILABLE']) {
    it(`is sent again, unchanged, after retry_after_ms when refused with ${code}`, async () => {
      const hub = await refusingHub(code)
      const chat = new ChatClient({ hubUrl: hub.url, agentId: 'a', reconnect: false })
      cleanups.push(() => chat.disconnect())
      await chat.connect()
      const acks = await Promise.all([1, 2, 3].map((n) => chat.sendMessage({ channelId: 'ch_1', content: `m${n}` })))
      expect(acks.map((ack) => ack.seq).sort()).toEqual([1, 2, 3])
      // Each message written twice, byte for byte the same.
      expect(hub.writes).toHaveLength(6)
      for (const write of new Set(hub.writes)) expect(hub.writes.filter((w) => w === write)).toHaveLength(2)
    })
  }
})

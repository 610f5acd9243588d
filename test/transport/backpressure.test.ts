// Flow control over real sockets: a sender faster than the hub stores is slowed (the hub stops
// reading its socket past MAX_FRAMES_IN_FLIGHT, or over its pace), never refused or closed; every
// message is stored and acked once, in order. And the workload on the defaults: 50
// agents each keeping 32 messages in flight get no RATE_LIMITED and stay connected.
import { describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { useHubAgents } from '../helpers/hub-agents.js'
import { until } from '../helpers/poll.js'
import type { Frame, WsAgent } from '../helpers/ws-agent.js'

const { start, connect } = useHubAgents()

async function pair(app: App, i: number): Promise<{ channelId: string; consumer: WsAgent }> {
  const { channel } = await app.chat.lifecycle.open(`provider-${i}`, `consumer-${i}`, null)
  await connect(`provider-${i}`)
  return { channelId: channel.id, consumer: await connect(`consumer-${i}`) }
}

async function metric(app: App, series: string): Promise<number> {
  const text = (await app.inject({ url: '/metrics' })).body
  const line = text.split('\n').find((row) => row.startsWith(`${series} `))
  return Number(line?.split(' ')[1] ?? 0)
}

const acksOf = (agent: WsAgent): Frame[] => agent.frames.filter((frame) => frame.type === 'ack')

describe('backpressure', () => {
  it('stops reading a sender past MAX_FRAMES_IN_FLIGHT and resumes: every message stored and acked once, in order', async () => {
    const { app } = await start({ MAX_FRAMES_IN_FLIGHT: '8' })
    const { channelId, consumer } = await pair(app, 0)
    const count = 2000
    for (let i = 1; i <= count; i++) consumer.send({ type: 'chat_message', channel_id: channelId, content: `m${i}`, request_id: i })

    await until(() => acksOf(consumer).length === count, 60_000)
    const acks = acksOf(consumer)
    expect(acks.map((ack) => ack.request_id)).toEqual(Array.from({ length: count }, (_, i) => i + 1))
    expect(acks.map((ack) => (ack as { seq: number }).seq)).toEqual(Array.from({ length: count }, (_, i) => i + 1))
    expect(consumer.frames.filter((frame) => frame.type === 'error')).toEqual([])
    expect(consumer.closed).toBeUndefined()
    expect(await metric(app, 'hub_reads_paused_total{reason="in_flight"}')).toBeGreaterThan(0)
    await app.store.writer.drain()
    expect((await app.store.messages.page(channelId, { limit: 1 })).messages[0]?.seq).toBe(count)
  })

  it('paces a connection over MAX_FRAMES_PER_SECOND by reading it later, without refusing a frame', async () => {
    const { app } = await start({ MAX_FRAMES_PER_SECOND: '50' })
    const { channelId, consumer } = await pair(app, 0)
    const count = 150
    for (let i = 1; i <= count; i++) consumer.send({ type: 'chat_message', channel_id: channelId, content: `m${i}`, request_id: i })

    await until(() => acksOf(consumer).length === count, 30_000)
    expect(acksOf(consumer).map((ack) => ack.request_id)).toEqual(Array.from({ length: count }, (_, i) => i + 1))
    expect(consumer.frames.filter((frame) => frame.type === 'error')).toEqual([])
    expect(consumer.closed).toBeUndefined()
    expect(await metric(app, 'hub_reads_paused_total{reason="pace"}')).toBeGreaterThan(0)
  })
})

describe('the defaults', () => {
  it('serve 50 agents each keeping 32 messages in flight: no RATE_LIMITED, no disconnect, every message acked once', async () => {
    const { app } = await start()
    const pairs = await Promise.all(Array.from({ length: 50 }, (_, i) => pair(app, i)))
    const perSender = 400
    const window = 32
    await Promise.all(
      pairs.map(async ({ channelId, consumer }) => {
        let sent = 0
        const sendOne = () => consumer.send({ type: 'chat_message', channel_id: channelId, content: `m${++sent}`, request_id: sent })
        for (let i = 0; i < window; i++) sendOne()
        consumer.socket.on('message', (data: Buffer) => {
          if (sent < perSender && data.toString('utf8').startsWith('{"type":"ack"')) sendOne()
        })
        await until(() => acksOf(consumer).length === perSender || consumer.closed !== undefined, 120_000)
      }),
    )
    for (const { consumer } of pairs) {
      expect(consumer.closed).toBeUndefined()
      expect(consumer.frames.filter((frame) => frame.type === 'error')).toEqual([])
      const ids = acksOf(consumer).map((ack) => ack.request_id)
      expect(new Set(ids).size).toBe(perSender)
      expect(ids).toHaveLength(perSender)
    }
    expect(await metric(app, 'hub_frame_errors_total{code="RATE_LIMITED"}')).toBe(0)
  }, 180_000)
})

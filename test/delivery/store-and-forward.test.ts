// Store-and-forward: what is sent to an agent while it is away reaches it when it connects,
// once per connection, in seq order, with no gap at the seam between backlog and live traffic.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { openChannel, WsAgent, type FrameOf } from '../helpers/ws-agent.js'

let hub: TestHub
let provider: WsAgent

beforeEach(async () => {
  // Some tests here push hundreds of frames at once, past the default frame rate.
  hub = await startHub({ env: { MAX_FRAMES_PER_SECOND: '10000' } })
  provider = await WsAgent.connect(hub.wsUrl, 'provider')
  await provider.request({ type: 'register_service', service_id: 'svc' }, 'register_service')
})

afterEach(async () => {
  await provider.close()
  await hub.close()
})

const activeChannel = (consumer: WsAgent): Promise<string> => openChannel(provider, consumer, 'svc')

async function collect(agent: WsAgent, count: number): Promise<FrameOf<'chat_message'>[]> {
  const got: FrameOf<'chat_message'>[] = []
  for (let i = 0; i < count; i++) got.push(await agent.next('chat_message'))
  return got
}

/** Nothing but what was collected reached the agent (a ping answered after it all), then it leaves. */
async function expectNothingMore(agent: WsAgent): Promise<void> {
  await agent.request({ type: 'ping' }, 'pong')
  expect(agent.frames.filter((f) => f.type === 'chat_message')).toEqual([])
  await agent.close()
}

describe('an agent that was away', () => {
  it('receives what was sent meanwhile, in order, and only once', async () => {
    const consumer = await WsAgent.connect(hub.wsUrl, 'consumer')
    const channelId = await activeChannel(consumer)
    await consumer.close()
    for (const content of ['one', 'two']) {
      await provider.request({ type: 'chat_message', channel_id: channelId, content }, 'ack')
    }

    const back = await WsAgent.connect(hub.wsUrl, 'consumer')
    expect((await collect(back, 2)).map((m) => [m.seq, m.content])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ])
    await back.close()

    // Delivered once: a later connection gets only what is new.
    await provider.request({ type: 'chat_message', channel_id: channelId, content: 'three' }, 'ack')
    const again = await WsAgent.connect(hub.wsUrl, 'consumer')
    expect((await again.next('chat_message')).content).toBe('three')
    await again.request({ type: 'ping' }, 'pong')
    expect(again.frames.filter((f) => f.type === 'chat_message')).toEqual([])
    await again.close()
  })

  it('receives chat requests made while it was offline', async () => {
    await provider.close()
    const consumer = await WsAgent.connect(hub.wsUrl, 'consumer')
    consumer.send({ type: 'chat_request', service_id: 'svc', message: 'anyone there?' })
    await consumer.request({ type: 'ping' }, 'pong')
    provider = await WsAgent.connect(hub.wsUrl, 'provider')
    expect(await provider.next('chat_request')).toMatchObject({ consumer_id: 'consumer', message: 'anyone there?' })
    await consumer.close()
  })

  it('gets a long backlog and concurrent live messages with no gap and no duplicate', async () => {
    const consumer = await WsAgent.connect(hub.wsUrl, 'consumer')
    const channelId = await activeChannel(consumer)
    await consumer.close()
    const backlog = 450
    for (let i = 1; i <= backlog; i++) provider.send({ type: 'chat_message', channel_id: channelId, content: `m${i}` })
    await provider.next('ack', (a) => a.seq === backlog)

    const back = await WsAgent.connect(hub.wsUrl, 'consumer')
    const live = 50
    for (let i = 1; i <= live; i++) provider.send({ type: 'chat_message', channel_id: channelId, content: `live${i}` })
    const got = await collect(back, backlog + live)
    expect(got.map((m) => m.seq)).toEqual(Array.from({ length: backlog + live }, (_, i) => i + 1))
    await expectNothingMore(back)
  })
})

describe('a backlog of large messages', () => {
  it('arrives whole, in order and once, read a history page of bytes at a time', async () => {
    const consumer = await WsAgent.connect(hub.wsUrl, 'consumer')
    const channelId = await activeChannel(consumer)
    await consumer.close()
    // 12 × 190 KB: three pages of at most 1 MiB, each shorter than a page's message count.
    const big = 'x'.repeat(190_000)
    for (let i = 1; i <= 12; i++) await provider.request({ type: 'chat_message', channel_id: channelId, content: `${i}:${big}` }, 'ack')
    const back = await WsAgent.connect(hub.wsUrl, 'consumer')
    const got = await collect(back, 12)
    expect(got.map((m) => [m.seq, m.content.split(':')[0], m.content.length])).toEqual(
      Array.from({ length: 12 }, (_, i) => [i + 1, String(i + 1), big.length + String(i + 1).length + 1]),
    )
    await expectNothingMore(back)
  })
})

describe('an agent on two connections', () => {
  it('gets each live message once on each connection', async () => {
    const first = await WsAgent.connect(hub.wsUrl, 'consumer')
    const channelId = await activeChannel(first)
    const second = await WsAgent.connect(hub.wsUrl, 'consumer')
    await provider.request({ type: 'chat_message', channel_id: channelId, content: 'to both' }, 'ack')
    for (const connection of [first, second]) {
      expect((await connection.next('chat_message')).content).toBe('to both')
      await connection.request({ type: 'ping' }, 'pong')
      expect(connection.frames.filter((f) => f.type === 'chat_message')).toEqual([])
    }
    const agents = (await (await fetch(`${hub.httpUrl}/agents/consumer`)).json()) as { connections: number }
    expect(agents.connections).toBe(2)
    await first.close()
    await second.close()
  })
})

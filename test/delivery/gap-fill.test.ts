// In-order delivery when messages reach a connection out of order, as they do when two hub
// instances store messages of one channel: a message stored elsewhere (here: written to the
// database behind the hub's back, so no live delivery announces it) is read from the database
// before the next live message that names it as its predecessor, exactly once.
import { afterEach, beforeEach, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { openChannel, WsAgent, type Frame, type FrameOf } from '../helpers/ws-agent.js'

let hub: TestHub
let provider: WsAgent
let consumer: WsAgent
let channelId: string

beforeEach(async () => {
  hub = await startHub()
  provider = await WsAgent.connect(hub.wsUrl, 'provider')
  await provider.request({ type: 'register_service', service_id: 'svc' }, 'register_service')
  consumer = await WsAgent.connect(hub.wsUrl, 'consumer')
  channelId = await openChannel(provider, consumer, 'svc')
})

afterEach(async () => {
  await Promise.all([provider.close(), consumer.close()])
  await hub.close()
})

const messages = (agent: WsAgent) => {
  const seen: FrameOf<'chat_message'>[] = []
  agent.socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as Frame
    if (frame.type === 'chat_message') seen.push(frame)
  })
  return seen
}

it('reads the messages a live one follows from the database when the connection has not been sent them', async () => {
  const seen = messages(consumer)
  await provider.request({ type: 'chat_message', channel_id: channelId, content: 'first' }, 'ack')
  // Stored "by another instance": in the database, announced to no connection here.
  const log = hub.app.store.database.log
  const elsewhere = await log.write([
    { channelId, senderId: 'provider', content: 'second' },
    { channelId, senderId: 'consumer', content: 'from the consumer itself' },
    { channelId, senderId: 'provider', content: 'third' },
  ])
  expect(elsewhere.map((outcome) => ('stored' in outcome ? outcome.stored.message.seq : outcome.error.message))).toEqual([2, 3, 4])
  await provider.request({ type: 'chat_message', channel_id: channelId, content: 'fourth' }, 'ack')
  await expect.poll(() => seen.length).toBe(4)
  // The consumer's own message is not sent back to it; everything else arrives once, in order.
  expect(seen.map((f) => [f.seq, f.content])).toEqual([
    [1, 'first'],
    [2, 'second'],
    [4, 'third'],
    [5, 'fourth'],
  ])
  // Nothing more comes of it: the next message is the next frame.
  await provider.request({ type: 'chat_message', channel_id: channelId, content: 'fifth' }, 'ack')
  await expect.poll(() => seen.length).toBe(5)
  expect(seen.map((f) => f.seq)).toEqual([1, 2, 4, 5, 6])
  const metrics = await (await fetch(`${hub.httpUrl}/metrics`)).text()
  expect(metrics).toMatch(/^hub_gap_fills_total 1$/m)
})

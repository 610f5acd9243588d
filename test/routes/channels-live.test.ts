// REST actions on channels reach the agents connected over /ws live, exactly as if an agent had
// sent the frame.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChannelInfo, MessageInfo } from '../../src/protocol/shapes.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import type { Json } from '../helpers/rest.js'
import { WsAgent } from '../helpers/ws-agent.js'

let counter = 0
const unique = (prefix: string) => `${prefix}-${++counter}`

describe('REST actions reach agents connected over /ws', () => {
  let hub: TestHub
  const agents: WsAgent[] = []

  beforeAll(async () => {
    hub = await startHub()
  })
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()))
    await hub.close()
  })

  const connect = async (prefix: string) => {
    const id = unique(prefix)
    const agent = await WsAgent.connect(hub.wsUrl, id)
    agents.push(agent)
    return { id, agent }
  }
  const inject = (url: string, payload: Json) => hub.app.inject({ method: 'POST', url, payload })

  it('delivers POST /channels, a REST send and a REST end live', async () => {
    const provider = await connect('live-prov')
    const consumer = await connect('live-cons')

    const opened = await inject('/channels', { provider_id: provider.id, consumer_id: consumer.id })
    expect(opened.statusCode).toBe(201)
    const channelId = opened.json<ChannelInfo>().channel_id
    for (const { agent } of [provider, consumer]) {
      expect(await agent.next('chat_accept', (f) => f.channel_id === channelId)).toMatchObject({
        provider_id: provider.id,
        consumer_id: consumer.id,
        status: 'active',
      })
    }

    const sent = await inject(`/channels/${channelId}/messages`, {
      sender_id: consumer.id,
      content: 'over http',
      metadata: { via: 'rest' },
    })
    expect(sent.statusCode).toBe(201)
    const message = await provider.agent.next('chat_message', (f) => f.channel_id === channelId)
    expect(message).toEqual({ type: 'chat_message', ...sent.json<MessageInfo>() })
    expect(message).toMatchObject({ seq: 1, sender_id: consumer.id, content: 'over http', metadata: { via: 'rest' } })

    const ended = await inject(`/channels/${channelId}/end`, { reason: 'operator closed it', ended_by: provider.id })
    expect(ended.statusCode).toBe(200)
    for (const { agent } of [provider, consumer]) {
      expect(await agent.next('chat_end', (f) => f.channel_id === channelId)).toMatchObject({
        reason: 'operator closed it',
        ended_by: provider.id,
      })
    }
  })

  it('delivers REST sends by the provider to the consumer in seq order', async () => {
    const provider = await connect('live-prov')
    const consumer = await connect('live-cons')
    const channelId = (await inject('/channels', { provider_id: provider.id, consumer_id: consumer.id })).json<ChannelInfo>()
      .channel_id
    for (let i = 1; i <= 3; i++) {
      expect((await inject(`/channels/${channelId}/messages`, { sender_id: provider.id, content: `reply ${i}` })).statusCode).toBe(201)
    }
    const received = []
    for (let i = 1; i <= 3; i++) received.push(await consumer.agent.next('chat_message', (f) => f.channel_id === channelId))
    expect(received.map((f) => [f.seq, f.content])).toEqual([
      [1, 'reply 1'],
      [2, 'reply 2'],
      [3, 'reply 3'],
    ])
  })
})

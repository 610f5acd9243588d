// One whole session over real sockets with the TypeScript client, as SPEC.md tells it: a
// provider serves weather-svc, a consumer asks, they talk, the consumer drops out and comes
// back to what it missed, history has it all in order, and the operator ends the channel.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { ChatClient, type ChatEnded, type Message } from '@claw-chat-hub/client'
import { startHub, type TestHub } from '../helpers/hub.js'

let hub: TestHub
const clients: ChatClient[] = []

beforeAll(async () => {
  hub = await startHub()
})

afterAll(async () => {
  await Promise.all(clients.map((client) => client.disconnect()))
  await hub.close()
})

function client(agentId: string): ChatClient {
  const created = new ChatClient({ hubUrl: hub.wsUrl, agentId, reconnect: false })
  clients.push(created)
  return created
}

function nextMessage(of: ChatClient): Promise<Message> {
  return new Promise((resolve) => {
    const stop = of.listenForMessages((message) => {
      stop()
      resolve(message)
    })
  })
}

const nextEnd = (of: ChatClient) => new Promise<ChatEnded>((resolve) => of.once('chat_end', resolve))

it('runs the weather session end to end', async () => {
  const provider = client('weather-provider')
  await provider.connect()
  expect(await provider.registerService({ serviceId: 'weather-svc', description: 'Forecasts' })).toMatchObject({
    service_id: 'weather-svc',
    provider_id: 'weather-provider',
  })
  provider.on('chat_request', (request) => void provider.acceptChat({ channelId: request.channel_id }))

  const consumer = client('weather-consumer')
  await consumer.connect()
  const answer = await consumer.requestChat({ serviceId: 'weather-svc', message: 'hello' })
  expect(answer.status).toBe('accepted')
  const channelId = answer.channelId

  // Both ways, with acks and seqs.
  const toProvider = nextMessage(provider)
  const ack1 = await consumer.sendMessage({ channelId, content: 'Weather in Beijing?' })
  expect(ack1).toMatchObject({ channel_id: channelId, seq: 1 })
  expect(await toProvider).toMatchObject({ seq: 1, sender_id: 'weather-consumer', content: 'Weather in Beijing?' })
  const toConsumer = nextMessage(consumer)
  const ack2 = await provider.sendMessage({ targetAgent: 'weather-consumer', content: 'Sunny, 25°C' })
  expect(ack2).toMatchObject({ channel_id: channelId, seq: 2 })
  expect(await toConsumer).toMatchObject({ seq: 2, sender_id: 'weather-provider', content: 'Sunny, 25°C' })

  // The consumer drops out; the provider sends two more.
  await consumer.disconnect()
  const ack3 = await provider.sendMessage({ channelId, content: 'Tomorrow: rain' })
  const ack4 = await provider.sendMessage({ channelId, content: 'Take an umbrella' })
  expect([ack3.seq, ack4.seq]).toEqual([3, 4])

  // It comes back (a new client, as after a restart) and receives both.
  const returning = client('weather-consumer')
  const missed: Message[] = []
  const bothArrived = new Promise<void>((resolve) =>
    returning.listenForMessages((message) => {
      missed.push(message)
      if (missed.length === 2) resolve()
    }),
  )
  await returning.connect()
  await bothArrived
  expect(missed.map((m) => [m.seq, m.content])).toEqual([
    [3, 'Tomorrow: rain'],
    [4, 'Take an umbrella'],
  ])

  // History over REST has everything, in order.
  const history = (await (await fetch(`${hub.httpUrl}/channels/${channelId}/messages?limit=50`)).json()) as {
    messages: Message[]
  }
  expect(history.messages.map((m) => [m.seq, m.sender_id, m.content])).toEqual([
    [1, 'weather-consumer', 'Weather in Beijing?'],
    [2, 'weather-provider', 'Sunny, 25°C'],
    [3, 'weather-provider', 'Tomorrow: rain'],
    [4, 'weather-provider', 'Take an umbrella'],
  ])

  // The operator ends the channel over REST; both agents hear of it over /ws.
  const ends = [nextEnd(provider), nextEnd(returning)]
  const ended = await fetch(`${hub.httpUrl}/channels/${channelId}/end`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'session over' }),
  })
  expect(ended.status).toBe(200)
  for (const end of await Promise.all(ends)) {
    expect(end).toMatchObject({ channel_id: channelId, ended_by: 'admin', reason: 'session over' })
  }
})

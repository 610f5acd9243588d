// Several hub instances on one Postgres and one Redis behave as one hub: an agent on one
// instance talks to an agent on another through the whole chat life cycle, presence and
// service ownership are shared, and when an instance dies its agents reconnect elsewhere and
// resume with nothing lost or repeated.
import { afterAll, describe, expect, it } from 'vitest'
import { testDatabaseKind } from '../helpers/database.js'
import { startCluster, type TestCluster } from '../helpers/cluster.js'
import { until } from '../helpers/poll.js'
import { WsAgent, type Frame } from '../helpers/ws-agent.js'

const clusters: TestCluster[] = []
const agents: WsAgent[] = []
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.close().catch(() => undefined)))
  await Promise.all(clusters.map((cluster) => cluster.stop()))
})

async function connect(wsUrl: string, agentId: string, query = ''): Promise<WsAgent> {
  const agent = await WsAgent.connect(wsUrl, agentId, query)
  agents.push(agent)
  return agent
}

async function presence(url: string, agentId: string): Promise<{ online: boolean; connections: number }> {
  const response = await fetch(`${url}/agents/${agentId}`)
  return (await response.json()) as { online: boolean; connections: number }
}

/** Collects an agent's chat_message frames for one channel, by seq. */
function inbox(agent: WsAgent, channelId: string): number[] {
  const seqs: number[] = []
  agent.socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString('utf8')) as Frame
    if (frame.type === 'chat_message' && frame.channel_id === channelId) seqs.push(frame.seq)
  })
  return seqs
}

async function sendAll(agent: WsAgent, channelId: string, contents: string[]): Promise<number[]> {
  const acks = await Promise.all(
    contents.map((content) => agent.ask({ type: 'chat_message', channel_id: channelId, content }, 'ack')),
  )
  for (const ack of acks) expect(ack.type).toBe('ack')
  return acks.map((ack) => ack.seq)
}

describe.skipIf(testDatabaseKind() !== 'postgres')('hub instances sharing Postgres and Redis', () => {
  it('carries the whole chat life cycle between instances, and resumes on another instance when one dies', async () => {
    const cluster = await startCluster(2)
    clusters.push(cluster)
    const [a, b] = cluster.hubs as [(typeof cluster.hubs)[0], (typeof cluster.hubs)[0]]
    expect(await (await fetch(`${a.url}/readyz`)).json()).toMatchObject({ status: 'ready', database: 'up', redis: 'up' })

    const provider = await connect(a.wsUrl, 'provider')
    expect(await provider.request({ type: 'register_service', service_id: 'weather-svc' }, 'register_service')).toMatchObject({
      provider_id: 'provider',
    })
    // Service ownership is the cluster's: another agent on the other instance cannot take it.
    const intruder = await connect(b.wsUrl, 'intruder')
    expect(await intruder.request({ type: 'register_service', service_id: 'weather-svc' }, 'register_service')).toMatchObject({
      type: 'error',
      code: 'SERVICE_TAKEN',
    })

    // Presence: each instance sees agents connected to the other.
    const consumer = await connect(b.wsUrl, 'consumer')
    expect(await presence(a.url, 'consumer')).toMatchObject({ online: true, connections: 1 })
    expect(await presence(b.url, 'provider')).toMatchObject({ online: true, connections: 1 })

    // chat_request → provider on A; chat_accept → consumer on B, as the reply to its request.
    consumer.send({ type: 'chat_request', service_id: 'weather-svc', message: 'hello', request_id: 'req-1' })
    const request = await provider.next('chat_request')
    expect(request).toMatchObject({ consumer_id: 'consumer', service_id: 'weather-svc', message: 'hello' })
    const channelId = request.channel_id
    provider.send({ type: 'chat_accept', channel_id: channelId })
    expect(await consumer.next('chat_accept', (f) => f.request_id === 'req-1')).toMatchObject({ channel_id: channelId, status: 'active' })

    // Messages both ways, acked by the sender's instance and delivered by the other, in order.
    const atProvider = inbox(provider, channelId)
    const atConsumer = inbox(consumer, channelId)
    const fromConsumer = await sendAll(consumer, channelId, ['q1', 'q2', 'q3'])
    const fromProvider = await sendAll(provider, channelId, ['a1', 'a2'])
    // A REST send through instance A, as the consumer connected to B, reaches the provider on A.
    const rest = await fetch(`${a.url}/channels/${channelId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-agent-id': 'consumer' },
      body: JSON.stringify({ content: 'over http' }),
    })
    expect(rest.status).toBe(201)
    fromConsumer.push(((await rest.json()) as { seq: number }).seq)
    await until(() => atProvider.length === fromConsumer.length && atConsumer.length === fromProvider.length)
    expect(atProvider).toEqual(fromConsumer)
    expect(atConsumer).toEqual(fromProvider)

    // Instance A dies. The consumer keeps writing; the provider's presence expires with A.
    a.child.kill('SIGKILL')
    await a.exited
    const whileAway = await sendAll(consumer, channelId, ['q4', 'q5', 'q6', 'q7'])
    await until(async () => !(await presence(b.url, 'provider')).online, 10_000)

    // The provider reconnects to B and resumes from the last seq it saw: exactly what it missed.
    const back = await connect(b.wsUrl, 'provider', '&resume=1')
    const resumedSeqs = inbox(back, channelId)
    const resumed = await back.request(
      { type: 'resume', channels: [{ channel_id: channelId, last_seq: Math.max(...atProvider) }] },
      'resume',
    )
    expect(resumed).toMatchObject({ type: 'resume', replayed: whileAway.length })
    const live = await sendAll(consumer, channelId, ['q8'])
    await until(() => resumedSeqs.length === whileAway.length + live.length)
    expect(resumedSeqs).toEqual([...whileAway, ...live])

    // The stored history is every message once, seqs 1..n without a gap.
    const history = (await (await fetch(`${b.url}/channels/${channelId}/messages?limit=100`)).json()) as {
      messages: { seq: number }[]
    }
    const total = fromConsumer.length + fromProvider.length + whileAway.length + live.length
    expect(history.messages.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1))

    // An end through REST reaches both sides.
    const end = await fetch(`${b.url}/channels/${channelId}/end`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'done' }),
    })
    expect(end.status).toBe(200)
    expect(await back.next('chat_end')).toMatchObject({ channel_id: channelId, reason: 'done' })
    expect(await consumer.next('chat_end')).toMatchObject({ channel_id: channelId, reason: 'done' })
  })

  it('gives every connection of an agent on several instances each message once, in order, whichever instance stored it', async () => {
    const cluster = await startCluster(3)
    clusters.push(cluster)
    const [a, b, c] = cluster.hubs as [(typeof cluster.hubs)[0], (typeof cluster.hubs)[0], (typeof cluster.hubs)[0]]
    const providerA = await connect(a.wsUrl, 'provider')
    const providerB = await connect(b.wsUrl, 'provider')
    await providerA.request({ type: 'register_service', service_id: 'svc' }, 'register_service')
    const consumerB = await connect(b.wsUrl, 'consumer')
    const consumerC = await connect(c.wsUrl, 'consumer')
    expect(await presence(a.url, 'consumer')).toMatchObject({ online: true, connections: 2 })

    consumerC.send({ type: 'chat_request', service_id: 'svc' })
    // Both of the provider's connections hear of the request; one accepts.
    const request = await providerA.next('chat_request')
    expect(await providerB.next('chat_request')).toMatchObject({ channel_id: request.channel_id })
    const channelId = request.channel_id
    providerB.send({ type: 'chat_accept', channel_id: channelId })
    await consumerB.next('chat_accept')
    await consumerC.next('chat_accept')

    // The provider writes through both instances at once: seqs interleave between A and B.
    const seenB = inbox(consumerB, channelId)
    const seenC = inbox(consumerC, channelId)
    const acked: number[] = []
    for (let round = 0; round < 10; round++) {
      const batch = await Promise.all([
        sendAll(providerA, channelId, Array.from({ length: 10 }, (_, i) => `a${round}.${i}`)),
        sendAll(providerB, channelId, Array.from({ length: 10 }, (_, i) => `b${round}.${i}`)),
      ])
      acked.push(...batch.flat())
    }
    // A last message through each instance: once it is in, anything extra would have shown.
    acked.push(...(await sendAll(providerA, channelId, ['last via A'])), ...(await sendAll(providerB, channelId, ['last via B'])))
    acked.sort((x, y) => x - y)
    await until(() => seenB.at(-1) === acked.at(-1) && seenC.at(-1) === acked.at(-1))
    expect(seenB).toEqual(acked)
    expect(seenC).toEqual(acked)
    const fills = await Promise.all(
      cluster.hubs.map(async (hub) => /^hub_gap_fills_total (\d+)/m.exec(await (await fetch(`${hub.url}/metrics`)).text())?.[1]),
    )
    console.log(`${acked.length} messages written through two instances at once; gap fills on A, B, C: ${fills.join(', ')}`)

    // Revoking the consumer's key on A closes its connections on B and C (4401).
    const revoked = await fetch(`${a.url}/agents/consumer/key`, { method: 'DELETE' })
    expect(revoked.status).toBe(200)
    expect((await consumerB.waitClosed()).code).toBe(4401)
    expect((await consumerC.waitClosed()).code).toBe(4401)
  })
})

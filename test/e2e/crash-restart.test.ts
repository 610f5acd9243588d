// Nothing acknowledged is lost: agent pairs exchange thousands of messages through a hub
// process that is SIGKILLed and restarted twice while clients are also cut off at random.
// Afterwards every message acked to a sender reached its recipient exactly once, in seq
// order, and the stored history is exactly the acked set. Loopback only; bounded in count and time.
import { afterAll, expect, it } from 'vitest'
import { ChatClient, type Message } from '@claw-chat-hub/client'
import { socketForTesting } from '../../packages/client/src/chat-session.js'
import { tempDatabase, type TempDatabase } from '../helpers/database.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../helpers/process.js'

const PAIRS = 4
const PER_SIDE = 300
const IN_FLIGHT = 16
const CUTS = 12

interface Agent {
  client: ChatClient
  peer: string
  channelId: string
  acked: Map<string, number>
  received: Message[]
  duplicates: number
}

let hub: HubProcess | undefined
let database: TempDatabase | undefined
const agents = new Map<string, Agent>()

afterAll(async () => {
  await Promise.all([...agents.values()].map((agent) => agent.client.disconnect()))
  await hub?.stop()
  await database?.remove()
})

it('loses nothing and repeats nothing across two hub crashes and random disconnects', async () => {
  database = await tempDatabase()
  const port = freshPort()
  const env = { PORT: port, DATABASE_URL: database.url }
  hub = spawnHub(env)
  await waitReady(hub)
  const hubUrl = `ws://127.0.0.1:${port}`

  const connect = async (agentId: string): Promise<ChatClient> => {
    const client = new ChatClient({ hubUrl, agentId, reconnect: { baseMs: 50, maxMs: 400 }, requestTimeoutMs: 120_000 })
    await client.connect()
    return client
  }
  for (let pair = 0; pair < PAIRS; pair++) {
    const [providerId, consumerId] = [`provider-${pair}`, `consumer-${pair}`]
    const provider = await connect(providerId)
    await provider.registerService({ serviceId: `svc-${pair}` })
    provider.on('chat_request', (request) => void provider.acceptChat({ channelId: request.channel_id }))
    const consumer = await connect(consumerId)
    const { channelId } = await consumer.requestChat({ serviceId: `svc-${pair}` })
    for (const [id, client, peer] of [
      [providerId, provider, consumerId],
      [consumerId, consumer, providerId],
    ] as const) {
      const agent: Agent = { client, peer, channelId, acked: new Map(), received: [], duplicates: 0 }
      const seen = new Set<string>()
      client.listenForMessages((message) => {
        if (seen.has(message.message_id)) agent.duplicates++
        seen.add(message.message_id)
        agent.received.push(message)
      })
      agents.set(id, agent)
    }
  }

  // Every agent sends its share, a few at a time, while the chaos below runs.
  let ackedTotal = 0
  const sending = [...agents.entries()].map(async ([id, agent]) => {
    let next = 0
    const worker = async () => {
      while (next < PER_SIDE) {
        const n = ++next
        const ack = await agent.client.sendMessage({ channelId: agent.channelId, content: `${id} #${n}`, clientMsgId: `${id}-${n}` })
        agent.acked.set(ack.message_id, ack.seq)
        ackedTotal++
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
  })

  const everyone = [...agents.values()]
  const total = everyone.length * PER_SIDE
  let cuts = 0
  const cutter = setInterval(() => {
    if (cuts >= CUTS) return
    const victim = everyone[Math.floor(Math.random() * everyone.length)]
    const socket = victim?.client[socketForTesting]
    if (socket && socket.readyState === socket.OPEN) {
      socket.terminate()
      cuts++
    }
  }, 150)
  let crashes = 0
  for (const fraction of [0.25, 0.6]) {
    await expect.poll(() => ackedTotal, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(total * fraction)
    await hub.stop('SIGKILL')
    crashes++
    hub = spawnHub(env)
    await waitReady(hub, 30_000)
  }
  await Promise.all(sending)
  clearInterval(cutter)

  // Everyone receives everything its peer had acked.
  for (const agent of everyone) {
    const peer = agents.get(agent.peer) as Agent
    await expect
      .poll(() => peer.acked.size > 0 && [...peer.acked.keys()].every((id) => agent.received.some((m) => m.message_id === id)), {
        timeout: 30_000,
        interval: 50,
      })
      .toBe(true)
  }

  let lost = 0
  let duplicates = 0
  for (const agent of everyone) {
    const peer = agents.get(agent.peer) as Agent
    const receivedIds = new Set(agent.received.map((m) => m.message_id))
    lost += [...peer.acked.keys()].filter((id) => !receivedIds.has(id)).length
    duplicates += agent.duplicates
    const seqs = agent.received.map((m) => m.seq)
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b))
  }
  const acked = everyone.reduce((sum, agent) => sum + agent.acked.size, 0)
  const delivered = everyone.reduce((sum, agent) => sum + agent.received.length, 0)
  console.log(
    `crash test: ${PAIRS} pairs, hub SIGKILLed ${crashes}×, ${cuts} client cuts; sent ${total}, acked ${acked}, delivered ${delivered}, duplicates seen by clients ${duplicates}, lost ${lost}`,
  )
  expect(crashes).toBe(2)
  expect(acked).toBe(total)
  expect(lost).toBe(0)
  expect(duplicates).toBe(0)
  expect(delivered).toBe(acked)

  // The stored history of each channel is exactly the acked set, with gapless seqs.
  for (let pair = 0; pair < PAIRS; pair++) {
    const [provider, consumer] = [agents.get(`provider-${pair}`), agents.get(`consumer-${pair}`)] as [Agent, Agent]
    const stored: Message[] = []
    for (let after = 0; ; ) {
      const page = (await (
        await fetch(`http://127.0.0.1:${port}/channels/${provider.channelId}/messages?limit=500&after_seq=${after}`)
      ).json()) as { messages: Message[]; has_more: boolean }
      stored.push(...page.messages)
      if (!page.has_more) break
      after = stored.at(-1)?.seq ?? after
    }
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 2 * PER_SIDE }, (_, i) => i + 1))
    expect(new Set(stored.map((m) => m.message_id))).toEqual(new Set([...provider.acked.keys(), ...consumer.acked.keys()]))
  }
}, 180_000)

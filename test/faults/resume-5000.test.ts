// A busy provider with 5,000 open channels loses its connection while a message arrives on every
// one of them: its client resumes with a cursor per channel (the hub reads memberships in chunks,
// within every database's parameter limits) and receives each missed message exactly once.
import { ChatClient, type Message } from '@claw-chat-hub/client'
import { afterAll, expect, it } from 'vitest'
import { socketForTesting } from '../../packages/client/src/chat-session.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import { until } from '../helpers/poll.js'
import { newChannelId } from '../../src/store/ids.js'

const CHANNELS = 5000
const PROVIDER = 'busy-provider'

let hub: TestHub | undefined
let client: ChatClient | undefined
afterAll(async () => {
  await client?.disconnect()
  await hub?.close()
})

it('resumes 5,000 channels at once, missing and repeating nothing', async () => {
  hub = await startHub({ env: { MAX_FRAMES_PER_SECOND: '10000' } })
  const { store } = hub.app
  // Seeded in a few statements (one insert per channel would take most of the test).
  const channelIds = Array.from({ length: CHANNELS }, () => newChannelId())
  for (let i = 0; i < CHANNELS; i += 500) {
    const rows = channelIds.slice(i, i + 500).map((id, n) => `('${id}', '${PROVIDER}', 'consumer-${i + n}', 'active')`)
    await store.database.prisma.$executeRawUnsafe(`INSERT INTO channels (id, provider_id, consumer_id, status) VALUES ${rows.join(', ')}`)
  }
  const sendRound = (round: number) =>
    Promise.all(channelIds.map((channelId, i) => store.writer.submit({ channelId, senderId: `consumer-${i}`, content: `round ${round}`, clientMsgId: `r${round}` })))

  await sendRound(1)
  const received = new Map<string, number>()
  client = new ChatClient({ hubUrl: hub.wsUrl, agentId: PROVIDER, reconnect: { baseMs: 50, maxMs: 500 }, requestTimeoutMs: 60_000 })
  client.listenForMessages((message: Message) => void received.set(message.message_id, (received.get(message.message_id) ?? 0) + 1))
  await client.connect()
  await until(() => received.size === CHANNELS, 60_000, () => `the first round delivered (${received.size})`)

  // Cut off; while away, a message on every channel; back with a resume naming all 5,000.
  const reconnected = new Promise<{ replayed: number }>((resolve) => client?.once('connected', resolve))
  client[socketForTesting]?.terminate()
  const cutAt = Date.now()
  const acks = await sendRound(2)
  const { replayed } = await reconnected
  await until(() => received.size === 2 * CHANNELS, 60_000, () => `the second round delivered (${received.size})`)
  const seconds = (Date.now() - cutAt) / 1000

  const stored = await store.database.prisma.message.count()
  const duplicates = [...received.values()].filter((count) => count > 1).length
  const lost = [...acks].filter((stored) => !received.has(stored.message.message_id)).length
  const up = (await fetch(`${hub.httpUrl}/healthz`)).status === 200
  console.log(
    `fault resume-5000: sent ${2 * CHANNELS}, acked ${2 * CHANNELS}, stored ${stored}, delivered ${received.size}, lost ${lost}, ` +
      `duplicates ${duplicates}, recovered in ${seconds.toFixed(2)} s, process up: ${up}; replayed on resume ${replayed}`,
  )
  expect(up).toBe(true)
  expect(lost).toBe(0)
  expect(duplicates).toBe(0)
  expect(received.size).toBe(2 * CHANNELS)
  expect(stored).toBe(2 * CHANNELS)
}, 120_000)

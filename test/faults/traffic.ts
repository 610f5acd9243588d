// Load for the fault tests: agent pairs on real ChatClients, each side sending its share with a
// few in flight, while a test breaks something under them. At the end, the tally every fault
// test asserts on: sent, acked, stored (read back over REST), delivered, lost, duplicates.
import { ChatClient, type Message } from '@claw-chat-hub/client'
import { until } from '../helpers/poll.js'

export interface PairUrls {
  /** ws:// of the hub the provider connects to, and of the consumer's (two instances: two urls). */
  provider: string
  consumer: string
}

export interface Tally {
  sent: number
  acked: number
  stored: number
  delivered: number
  lost: number
  duplicates: number
}

interface Side {
  id: string
  client: ChatClient
  peer: string
  channelId: string
  acked: Set<string>
  received: Map<string, number>
}

const IN_FLIGHT = 8

export class Traffic {
  private readonly sides: Side[] = []
  private sending: Promise<unknown> = Promise.resolve()
  sent = 0
  acked = 0
  /** What must end up acked: every message send() was asked for. */
  total = 0

  /** Opens `pairs` channels, provider and consumer each on its url. */
  static async open(urls: PairUrls[], tag: string): Promise<Traffic> {
    const traffic = new Traffic()
    for (const [pair, url] of urls.entries()) await traffic.pair(url, `${tag}-${pair}`)
    return traffic
  }

  private async pair(urls: PairUrls, name: string): Promise<void> {
    const [providerId, consumerId] = [`${name}-provider`, `${name}-consumer`]
    const provider = await connect(urls.provider, providerId)
    await provider.registerService({ serviceId: `${name}-svc` })
    provider.on('chat_request', (request) => void provider.acceptChat({ channelId: request.channel_id }))
    const consumer = await connect(urls.consumer, consumerId)
    const { channelId } = await consumer.requestChat({ serviceId: `${name}-svc` })
    for (const [id, client, peer] of [
      [providerId, provider, consumerId],
      [consumerId, consumer, providerId],
    ] as const) {
      const side: Side = { id, client, peer, channelId, acked: new Set(), received: new Map() }
      client.listenForMessages((message: Message) => void side.received.set(message.message_id, (side.received.get(message.message_id) ?? 0) + 1))
      this.sides.push(side)
    }
  }

  /** Every side sends `perSide` messages (numbered client_msg_ids, so that retries are recognised), `padding` bytes more each. */
  send(perSide: number, padding = 0): void {
    const pad = 'x'.repeat(padding)
    this.total += this.sides.length * perSide
    this.sending = Promise.all(
      this.sides.map(async (side) => {
        let next = 0
        const worker = async () => {
          while (next < perSide) {
            const n = ++next
            this.sent++
            const ack = await side.client.sendMessage({ channelId: side.channelId, content: `${side.id} #${n}${pad}`, clientMsgId: `${side.id}-${n}` })
            side.acked.add(ack.message_id)
            this.acked++
          }
        }
        await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
      }),
    )
    // A test that fails stops the clients with sends still out: that is not a second failure.
    this.sending.catch(() => undefined)
  }

  /** Waits for every send to be acked and delivered, reads the history back, and counts. */
  async finish(httpUrl: string, timeoutMs = 60_000): Promise<Tally> {
    await this.sending
    const byId = new Map(this.sides.map((side) => [side.id, side]))
    const deadline = Date.now() + timeoutMs
    const missing = () => this.sides.filter((side) => [...(byId.get(side.peer)?.acked ?? [])].some((id) => !side.received.has(id)))
    while (missing().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    let stored = 0
    let storedTwice = 0
    let notStored = 0
    for (const side of this.sides.filter((s) => s.id.endsWith('-provider'))) {
      const messages = await history(httpUrl, side.channelId)
      stored += messages.length
      storedTwice += messages.length - new Set(messages.map((m) => `${m.sender_id}/${m.client_msg_id ?? m.message_id}`)).size
      const ids = new Set(messages.map((m) => m.message_id))
      const peer = byId.get(side.peer) as Side
      notStored += [...side.acked, ...peer.acked].filter((id) => !ids.has(id)).length
    }
    let delivered = 0
    let undelivered = 0
    let repeats = 0
    for (const side of this.sides) {
      delivered += side.received.size
      repeats += [...side.received.values()].filter((count) => count > 1).length
      undelivered += [...(byId.get(side.peer)?.acked ?? [])].filter((id) => !side.received.has(id)).length
    }
    return { sent: this.sent, acked: this.acked, stored, delivered, lost: notStored + undelivered, duplicates: storedTwice + repeats }
  }

  async close(): Promise<void> {
    await Promise.all(this.sides.map((side) => side.client.disconnect().catch(() => undefined)))
  }
}

/**
 * `pairs` pairs on the hub at `ws`, each side sending `perSide` messages; resolves once a quarter
 * is acked, so that the fault strikes mid-stream.
 */
export async function trafficUnderway(ws: string, tag: string, pairs: number, perSide: number, padding = 0): Promise<Traffic> {
  const traffic = await Traffic.open(Array.from({ length: pairs }, () => ({ provider: ws, consumer: ws })), tag)
  traffic.send(perSide, padding)
  await until(() => traffic.acked >= traffic.total / 4, 30_000, () => `a quarter of ${traffic.total} acked (${traffic.acked})`)
  return traffic
}

async function connect(hubUrl: string, agentId: string): Promise<ChatClient> {
  const client = new ChatClient({ hubUrl, agentId, reconnect: { baseMs: 50, maxMs: 500 }, requestTimeoutMs: 120_000 })
  await client.connect()
  return client
}

async function history(httpUrl: string, channelId: string): Promise<Message[]> {
  const messages: Message[] = []
  for (let after = 0; ; ) {
    const response = await fetch(`${httpUrl}/channels/${channelId}/messages?limit=500&after_seq=${after}`)
    const page = (await response.json()) as { messages: Message[]; has_more: boolean }
    messages.push(...page.messages)
    if (!page.has_more) return messages
    after = messages.at(-1)?.seq ?? after
  }
}

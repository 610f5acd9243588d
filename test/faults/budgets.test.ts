// Resource budgets against a real hub process, each abuse running while a witness pair exchanges
// messages: unfinished fragmented messages (timed out), more held bytes than the hub-wide budget
// (the largest holders cut), history pages of large messages (capped in bytes), a slow REST body
// (timed out), connections per address, a burst of queued frames, chat requests left pending
// (expired, the consumer told), one agent opening many channels, and a storm of chat requests.
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../helpers/poll.js'
import { upgradeRefusal, WsAgent } from '../helpers/ws-agent.js'
import { isUp, report, startFaultHub, watch, witness, type FaultHub } from './harness.js'

const MIB = 1024 * 1024
let hub: FaultHub
beforeAll(async () => {
  hub = await startFaultHub({
    FRAGMENT_TIMEOUT_MS: '1500',
    MAX_TOTAL_BUFFERED_BYTES: String(16 * MIB),
    REQUEST_TIMEOUT_MS: '2000',
    MAX_CONNECTIONS_PER_ADDRESS: '60',
    MAX_QUEUED_FRAMES: '50',
    // The abuses here are of other budgets than the REST rate limit.
    RATE_LIMIT_PER_MINUTE: '1000000',
    PENDING_REQUEST_TTL_MS: '1000',
  })
}, 90_000)
afterAll(() => hub.stop())

/** Runs an abuse beside the witness, prints the figures, and checks that nothing was lost. */
async function underAbuse(fault: string, abuse: () => Promise<void>): Promise<void> {
  const watched = watch(hub)
  const figures = await witness(hub, abuse)
  report(fault, figures, await watched.stop(), isUp(hub))
  expect(figures).toMatchObject({
    lost: 0,
    duplicates: 0,
    acked: figures.sent,
    stored: figures.sent,
    delivered: figures.sent,
  })
  expect(isUp(hub)).toBe(true)
}

/** Connects and sends the first fragment of a text message that never gets its last one. */
async function unfinished(agentId: string, bytes: number): Promise<WsAgent> {
  const agent = await WsAgent.connect(hub.wsUrl, agentId)
  agent.socket.send(Buffer.alloc(bytes, 'a'), { fin: false, binary: false })
  return agent
}

async function channelBetween(provider: string, consumer: string): Promise<string> {
  const response = await fetch(`${hub.url}/channels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider_id: provider, consumer_id: consumer }),
  })
  return ((await response.json()) as { channel_id: string }).channel_id
}

describe('resource budgets', () => {
  it('closes connections whose fragmented message stays unfinished (1008)', async () => {
    await underAbuse('fragment-timeout', async () => {
      const agents = await Promise.all(Array.from({ length: 20 }, (_, i) => unfinished(`frag-${i}`, 100 * 1024)))
      const closes = await Promise.all(agents.map((agent) => agent.waitClosed(15_000)))
      expect(closes.every((close) => close.code === 1008 && close.reason.includes('unfinished'))).toBe(true)
    })
  }, 120_000)

  it('cuts the connections holding most once the hub-wide budget is passed', async () => {
    await underAbuse('buffered-bytes-budget', async () => {
      const agents = await Promise.all(Array.from({ length: 8 }, (_, i) => unfinished(`hold-${i}`, 3 * MIB)))
      try {
        // 24 MiB held against a budget of 16: three of the eight must go.
        await until(() => agents.filter((agent) => agent.closed).length >= 3, 10_000, '3 connections cut')
        // The budget cuts first; one whose bytes arrived after a sweep may meet the fragment timeout instead.
        expect(agents.filter((agent) => agent.closed?.reason.includes('too much')).length).toBeGreaterThanOrEqual(1)
        expect(agents.filter((agent) => agent.closed?.code === 1008).length).toBeGreaterThanOrEqual(3)
      } finally {
        await Promise.all(agents.map((agent) => agent.close()))
      }
    })
  }, 120_000)

  it('caps history pages at 4 MiB, on REST and /ws, and pages through every message once', async () => {
    const sender = await WsAgent.connect(hub.wsUrl, 'big-sender')
    const channelId = await channelBetween('big-reader', sender.agentId)
    const big = 'x'.repeat(190_000)
    for (let i = 1; i <= 30; i++) await sender.ask({ type: 'chat_message', channel_id: channelId, content: `${i}:${big}` }, 'ack')
    await underAbuse('history-pages', async () => {
      const reads = Array.from({ length: 16 }, async () => {
        const response = await fetch(`${hub.url}/channels/${channelId}/messages?limit=500`)
        const text = await response.text()
        expect(response.status, text.slice(0, 300)).toBe(200)
        expect(text.length).toBeLessThan(4.5 * MIB)
        return JSON.parse(text) as {
          messages: { seq: number }[]
          has_more: boolean
        }
      })
      for (const page of await Promise.all(reads)) {
        expect(page.has_more).toBe(true)
        expect(page.messages.length).toBeLessThan(30)
      }
      const seqs: number[] = []
      for (let after = 0; ;) {
        const page = (await (await fetch(`${hub.url}/channels/${channelId}/messages?limit=500&after_seq=${after}`)).json()) as {
          messages: { seq: number }[]
          has_more: boolean
        }
        seqs.push(...page.messages.map((m) => m.seq))
        if (!page.has_more) break
        after = page.messages.at(-1)?.seq ?? after
      }
      expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1))
      const reader = await WsAgent.connect(hub.wsUrl, 'big-reader')
      try {
        const page = await reader.ask({ type: 'chat_history', channel_id: channelId, limit: 500 }, 'chat_history')
        expect(page.has_more, JSON.stringify(page).slice(0, 300)).toBe(true)
        expect(page.messages.length).toBeLessThan(30)
      } finally {
        await reader.close()
      }
    })
    await sender.close()
  }, 120_000)

  it('closes a REST request whose body never finishes', async () => {
    await underAbuse('slow-request', async () => {
      const socket = connect(Number(new URL(hub.url).port), '127.0.0.1')
      let answer = ''
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()))
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      socket.write('POST /channels HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"provider_id":')
      await closed
      expect(answer).toMatch(/^HTTP\/1.1 408|^$/)
    })
  }, 60_000)

  it('refuses connections past MAX_CONNECTIONS_PER_ADDRESS (429), and takes one again once one closes', async () => {
    await underAbuse('connections-per-address', async () => {
      const agents: WsAgent[] = []
      // The connections of the tests before have all closed on the hub's side too (only the witness's are open).
      await until(
        async () => /^hub_connections 2$/m.test(await (await fetch(`${hub.url}/metrics`)).text()),
        20_000,
        'earlier connections closed',
      )
      try {
        // The witness holds two of the 60.
        for (let i = 0; i < 58; i++) {
          const agent = await WsAgent.connect(hub.wsUrl, `addr-${i}`).catch(async (error: unknown) => {
            throw new Error(
              `connection ${i}: ${String(error)} ${JSON.stringify((await upgradeRefusal(hub.wsUrl, `?agent_id=addr-${i}`)).body)}`,
            )
          })
          agents.push(agent)
        }
        const refused = await upgradeRefusal(hub.wsUrl, '?agent_id=addr-extra')
        expect(refused.status).toBe(429)
        expect(JSON.stringify(refused.body)).toContain('TOO_MANY_CONNECTIONS_FROM_ADDRESS')
        await agents.pop()?.close()
        await until(async () => {
          const again = await WsAgent.connect(hub.wsUrl, 'addr-again').catch(() => undefined)
          if (again) agents.push(again)
          return again !== undefined
        })
      } finally {
        await Promise.all(agents.map((agent) => agent.close()))
      }
    })
  }, 120_000)

  it('answers frames past MAX_QUEUED_FRAMES with RATE_LIMITED, and every other one', async () => {
    const agent = await WsAgent.connect(hub.wsUrl, 'queue-agent')
    const channelId = await channelBetween('queue-other', agent.agentId)
    await underAbuse('queued-frames', async () => {
      // Sent at once: they arrive together, faster than the database answers (past 20 refusals
      // in a burst the connection would be closed, 4400).
      const burst = Array.from({ length: 65 }, (_, i) =>
        JSON.stringify({
          type: 'chat_history',
          channel_id: channelId,
          request_id: i,
        }),
      )
      // Written to the TCP socket at once, so that the hub reads them in one go.
      const tcp = (agent.socket as unknown as { _socket: { cork(): void; uncork(): void } })._socket
      tcp.cork()
      for (const frame of burst) agent.socket.send(frame)
      process.nextTick(() => tcp.uncork())
      await until(() => agent.frames.filter((f) => f.type === 'chat_history' || f.type === 'error').length === burst.length, 30_000)
      const limited = agent.frames.filter((f) => f.type === 'error' && f.code === 'RATE_LIMITED')
      expect(limited.length).toBeGreaterThan(0)
      expect(agent.frames.filter((f) => f.type === 'chat_history').length).toBe(burst.length - limited.length)
    })
    await agent.close()
  }, 60_000)

  it('expires chat requests nobody answers, telling the consumer on its request', async () => {
    await underAbuse('pending-expiry', async () => {
      const provider = await WsAgent.connect(hub.wsUrl, 'expiry-provider')
      await provider.ask({ type: 'register_service', service_id: 'expiry-svc' }, 'register_service')
      await provider.close()
      const consumer = await WsAgent.connect(hub.wsUrl, 'expiry-consumer')
      consumer.send({
        type: 'chat_request',
        service_id: 'expiry-svc',
        request_id: 'ask-1',
      })
      const rejected = await consumer.next('chat_reject', () => true, 15_000)
      expect(rejected).toMatchObject({
        request_id: 'ask-1',
        reason: 'expired',
        ended_by: 'hub',
        status: 'rejected',
      })
      await consumer.close()
    })
  }, 60_000)

  it('stays up while one agent opens 300 channels', async () => {
    await underAbuse('many-channels', async () => {
      const agent = await WsAgent.connect(hub.wsUrl, 'opener')
      for (let i = 0; i < 300; i++) {
        agent.send({
          type: 'chat_message',
          target_agent: `opened-${i}`,
          content: 'hello',
          request_id: i,
        })
        // Within MAX_QUEUED_FRAMES: each new channel waits for the database.
        if (i % 25 === 24) await until(() => agent.frames.filter((f) => f.type === 'ack').length >= i + 1, 20_000)
      }
      expect(agent.frames.filter((f) => f.type === 'error')).toEqual([])
      await agent.close()
    })
  }, 120_000)

  it('stays up under four connections repeating chat requests', async () => {
    const provider = await WsAgent.connect(hub.wsUrl, 'storm-provider')
    await provider.ask({ type: 'register_service', service_id: 'storm-svc' }, 'register_service')
    await underAbuse('chat-request-storm', async () => {
      const consumers = await Promise.all(Array.from({ length: 4 }, (_, i) => WsAgent.connect(hub.wsUrl, `storm-${i}`)))
      for (let round = 0; round < 30; round++) {
        for (const consumer of consumers) for (let i = 0; i < 5; i++) consumer.send({ type: 'chat_request', service_id: 'storm-svc' })
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      // Past MAX_QUEUED_FRAMES they are refused (RATE_LIMITED), and closed (4400) if they keep on.
      const refused = consumers.flatMap((consumer) => consumer.frames.filter((f) => f.type === 'error'))
      expect(refused.every((f) => f.type === 'error' && f.code === 'RATE_LIMITED')).toBe(true)
      await Promise.all(consumers.map((consumer) => consumer.close()))
    })
    await provider.close()
  }, 120_000)
})

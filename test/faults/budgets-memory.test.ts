// Memory budgets against a real hub process, each abuse running while a witness pair exchanges
// messages: unfinished fragmented messages (timed out), more held bytes than the hub-wide budget
// (the largest holders cut), history pages of large messages (capped in bytes), and a slow REST
// body (timed out).
import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../helpers/poll.js'
import { WsAgent } from '../helpers/ws-agent.js'
import { channelBetween, startFaultHub, underAbuse, type FaultHub } from './harness.js'

const MIB = 1024 * 1024
let hub: FaultHub
beforeAll(async () => {
  hub = await startFaultHub({
    FRAGMENT_TIMEOUT_MS: '1500',
    MAX_TOTAL_BUFFERED_BYTES: String(16 * MIB),
    REQUEST_TIMEOUT_MS: '2000',
    // The abuses here are of other budgets than the REST rate limit.
    RATE_LIMIT_PER_MINUTE: '1000000',
  })
}, 90_000)
afterAll(() => hub.stop())

/** Connects and sends the first fragment of a text message that never gets its last one. */
async function unfinished(agentId: string, bytes: number): Promise<WsAgent> {
  const agent = await WsAgent.connect(hub.wsUrl, agentId)
  agent.socket.send(Buffer.alloc(bytes, 'a'), { fin: false, binary: false })
  return agent
}

describe('memory budgets', () => {
  it('closes connections whose fragmented message stays unfinished (1008)', async () => {
    await underAbuse(hub, 'fragment-timeout', async () => {
      const agents = await Promise.all(Array.from({ length: 20 }, (_, i) => unfinished(`frag-${i}`, 100 * 1024)))
      const closes = await Promise.all(agents.map((agent) => agent.waitClosed(15_000)))
      expect(closes.every((close) => close.code === 1008 && close.reason.includes('unfinished'))).toBe(true)
    })
  }, 120_000)

  it('cuts the connections holding most once the hub-wide budget is passed', async () => {
    await underAbuse(hub, 'buffered-bytes-budget', async () => {
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

  it('caps history pages at 1 MiB, on REST and /ws, and pages through every message once', async () => {
    const sender = await WsAgent.connect(hub.wsUrl, 'big-sender')
    const channelId = await channelBetween(hub, 'big-reader', sender.agentId)
    const big = 'x'.repeat(190_000)
    for (let i = 1; i <= 30; i++) await sender.ask({ type: 'chat_message', channel_id: channelId, content: `${i}:${big}` }, 'ack')
    await underAbuse(hub, 'history-pages', async () => {
      const reads = Array.from({ length: 16 }, async () => {
        const response = await fetch(`${hub.url}/channels/${channelId}/messages?limit=500`)
        const text = await response.text()
        expect(response.status, text.slice(0, 300)).toBe(200)
        expect(text.length).toBeLessThan(1.25 * MIB)
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
    await underAbuse(hub, 'slow-request', async () => {
      const socket = connect(Number(new URL(hub.url).port), '127.0.0.1')
      let answer = ''
      socket.on('data', (chunk: Buffer) => (answer += chunk.toString()))
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
      socket.write('POST /channels HTTP/1.1\r\nHost: hub\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"provider_id":')
      await closed
      expect(answer).toMatch(/^HTTP\/1.1 408|^$/)
    })
  }, 60_000)
})

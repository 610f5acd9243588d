// Work budgets against a real hub process, each abuse running while a witness pair exchanges
// messages: connections per address, a burst of queued frames, chat requests left pending
// (expired, the consumer told), one agent opening many channels, and a storm of chat requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../helpers/poll.js'
import { upgradeRefusal, WsAgent } from '../helpers/ws-agent.js'
import { channelBetween, startFaultHub, underAbuse, type FaultHub } from './harness.js'

/** Channels the one agent opens (bench/faults.ts --channels 10000 takes the issue's figure). */
const CHANNELS = Number(process.env.FAULT_MANY_CHANNELS ?? 300)

let hub: FaultHub
beforeAll(async () => {
  hub = await startFaultHub({
    MAX_CONNECTIONS_PER_ADDRESS: '60',
    MAX_QUEUED_FRAMES: '50',
    PENDING_REQUEST_TTL_MS: '1000',
    // The abuses here are of other budgets than the REST rate limit.
    RATE_LIMIT_PER_MINUTE: '1000000',
  })
}, 90_000)
afterAll(() => hub.stop())

describe('work budgets', () => {
  it('refuses connections past MAX_CONNECTIONS_PER_ADDRESS (429), and takes one again once one closes', async () => {
    await underAbuse(hub, 'connections-per-address', async () => {
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
    const channelId = await channelBetween(hub, 'queue-other', agent.agentId)
    await underAbuse(hub, 'queued-frames', async () => {
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
    await underAbuse(hub, 'pending-expiry', async () => {
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

  it(`stays up while one agent opens ${CHANNELS} channels`, async () => {
    await underAbuse(hub, 'many-channels', async () => {
      const agent = await WsAgent.connect(hub.wsUrl, 'opener')
      for (let i = 0; i < CHANNELS; i++) {
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
  }, 120_000 + CHANNELS * 20)

  it('stays up under four connections repeating chat requests', async () => {
    const provider = await WsAgent.connect(hub.wsUrl, 'storm-provider')
    await provider.ask({ type: 'register_service', service_id: 'storm-svc' }, 'register_service')
    await underAbuse(hub, 'chat-request-storm', async () => {
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

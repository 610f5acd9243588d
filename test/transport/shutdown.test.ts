// Graceful shutdown mid-stream: the hub stops taking new work, stores and acks everything it
// accepted, refuses the rest with UNAVAILABLE, closes sockets with 1001 — and what it acked is
// exactly what a restarted hub has stored.
import { expect, it } from 'vitest'
import { startHub } from '../helpers/hub.js'
import { tempDatabase } from '../helpers/database.js'
import { openChannel, refusedUpgrade, WsAgent } from '../helpers/ws-agent.js'

it('acks or refuses every message it received, stores exactly the acked ones, and closes with 1001', async () => {
  const database = await tempDatabase()
  // The sender outruns the per-connection frame limit on purpose: this test is about shutdown.
  const hub = await startHub({ databaseUrl: database.url, env: { MAX_FRAMES_PER_SECOND: '100000' } })
  const provider = await WsAgent.connect(hub.wsUrl, 'provider')
  const consumer = await WsAgent.connect(hub.wsUrl, 'consumer')
  await provider.request({ type: 'register_service', service_id: 'svc' }, 'register_service')
  const channelId = await openChannel(provider, consumer, 'svc')

  // The provider keeps sending while the hub shuts down under it.
  let total = 0
  let closing: Promise<void> | undefined
  const closed = provider.waitClosed()
  while (!provider.closed && total < 20_000) {
    for (let burst = 0; burst < 10; burst++) {
      total++
      provider.send({ type: 'chat_message', channel_id: channelId, content: `m${total}`, client_msg_id: `c${total}`, request_id: total })
    }
    await new Promise((resolve) => setImmediate(resolve))
    if (!closing && provider.frames.filter((f) => f.type === 'ack').length > 100) closing = hub.app.close()
  }
  await closing
  expect((await closed).code).toBe(1001)

  const acked = provider.frames.filter((f) => f.type === 'ack').map((f) => f.client_msg_id as string)
  const refused = provider.frames.filter((f) => f.type === 'error')
  expect(refused.every((f) => f.code === 'UNAVAILABLE')).toBe(true)
  // Frames that reach the hub after its close frame are dropped unanswered: the client retries them.
  console.log(`shutdown mid-stream: ${total} sent, ${acked.length} acked, ${refused.length} refused, ${total - acked.length - refused.length} unanswered`)
  expect(acked.length).toBeGreaterThan(0)
  expect(new Set(acked).size).toBe(acked.length)

  const restarted = await startHub({ databaseUrl: database.url })
  const stored: string[] = []
  for (let after = 0; ; ) {
    const page = (await (await fetch(`${restarted.httpUrl}/channels/${channelId}/messages?limit=500&after_seq=${after}`)).json()) as {
      messages: { seq: number; client_msg_id: string }[]
      has_more: boolean
    }
    stored.push(...page.messages.map((m) => m.client_msg_id))
    if (!page.has_more) break
    after = page.messages.at(-1)?.seq ?? after
  }
  expect(stored.sort()).toEqual([...acked].sort())
  await consumer.close()
  await restarted.close()
  await database.remove()
})

it('refuses new connections once shutdown has begun', async () => {
  const hub = await startHub()
  const agent = await WsAgent.connect(hub.wsUrl, 'lingering')
  hub.app.transport.closing = true
  expect(await refusedUpgrade(hub.wsUrl, '?agent_id=late')).toMatchObject({ status: 503, body: { error: { code: 'UNAVAILABLE' } } })
  expect(await agent.request({ type: 'ping' }, 'pong')).toMatchObject({ type: 'error', code: 'UNAVAILABLE' })
  hub.app.transport.closing = false
  await agent.close()
  await hub.close()
})

// Retention: MESSAGE_RETENTION removes old messages in batches while messages keep flowing; seqs
// go on where they were; history and replay start where history now starts (first_seq); the
// operator removes a channel's messages with DELETE /channels/:id/messages.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { startHub, type TestHub } from '../helpers/hub.js'
import { poll } from '../helpers/poll.js'
import { WsAgent } from '../helpers/ws-agent.js'

let hub: TestHub
let app: App
beforeAll(async () => {
  hub = await startHub({ env: { MESSAGE_RETENTION: '30d' } })
  app = hub.app
})
afterAll(() => hub.close())

async function openChannel(provider: string, consumer: string): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/channels', payload: { provider_id: provider, consumer_id: consumer } })
  return response.json<{ channel_id: string }>().channel_id
}

const send = (senderId: string, channelId: string, count: number, from = 1) =>
  Promise.all(Array.from({ length: count }, (_, i) => app.chat.messaging.send(senderId, { channel_id: channelId, content: `m${from + i}` })))

/** Makes the channel's messages up to `throughSeq` look stored in 1970: message ids carry their storage time. */
const age = (channelId: string, throughSeq: number) =>
  app.store.database.log.read(`UPDATE messages SET id = 'msg_00' || substr(id, 7) WHERE channel_id = $1 AND seq <= $2 RETURNING id`, [
    channelId,
    throughSeq,
  ])

const page = async (channelId: string, query = '') =>
  (await app.inject({ url: `/channels/${channelId}/messages${query}` })).json<{ messages: { seq: number }[]; has_more: boolean; first_seq?: number }>()

describe('MESSAGE_RETENTION', () => {
  it('removes old messages; seqs go on, history and replay start at first_seq', async () => {
    const channelId = await openChannel('ret-provider', 'ret-consumer')
    await send('ret-provider', channelId, 5)
    await age(channelId, 3)
    expect(await page(channelId)).not.toHaveProperty('first_seq')
    // A page that does not start at seq 1 says nothing either while nothing was removed.
    expect(await page(channelId, '?limit=2')).not.toHaveProperty('first_seq')

    expect(await app.retention.runOnce()).toBe(3)
    const latest = await page(channelId)
    expect(latest.messages.map((m) => m.seq)).toEqual([4, 5])
    expect(latest.first_seq).toBe(4)
    expect((await page(channelId, '?after_seq=0')).first_seq).toBe(4)

    // The consumer, never sent anything, is replayed what is left, then a new message is seq 6.
    const consumer = await WsAgent.connect(hub.wsUrl, 'ret-consumer')
    expect((await consumer.next('chat_message')).seq).toBe(4)
    expect((await consumer.next('chat_message')).seq).toBe(5)
    const history = await consumer.ask({ type: 'chat_history', channel_id: channelId, after_seq: 0 }, 'chat_history')
    expect(history.first_seq).toBe(4)
    const [stored] = await send('ret-provider', channelId, 1, 6)
    expect(stored?.message.seq).toBe(6)
    expect((await consumer.next('chat_message')).seq).toBe(6)
    await consumer.close()
  })

  it('purges in batches while messages keep being stored', async () => {
    const old = await openChannel('bulk-provider', 'bulk-consumer')
    await send('bulk-provider', old, 1500)
    await age(old, 1500)
    const live = await openChannel('live-provider', 'live-consumer')

    const [removed, sent] = await Promise.all([app.retention.runOnce(), send('live-provider', live, 300)])
    expect(removed).toBe(1500)
    expect(sent.map((s) => s.message.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    expect((await page(old)).first_seq).toBe(1501)
    expect(await page(old)).toMatchObject({ messages: [], has_more: false })
    const metrics = (await app.inject({ url: '/metrics' })).body
    expect(metrics).toMatch(/^hub_messages_removed_total\{by="retention"\} 1503$/m)
  })
})

describe('MESSAGE_RETENTION in the background', () => {
  it('removes old messages soon after start, without being asked', async () => {
    const channelId = await openChannel('bg-provider', 'bg-consumer')
    await send('bg-provider', channelId, 3)
    await age(channelId, 2)
    const later = await startHub({ databaseUrl: hub.databaseUrl, env: { MESSAGE_RETENTION: '12h' } })
    try {
      const read = async () => (await later.app.inject({ url: `/channels/${channelId}/messages` })).json<{ first_seq?: number }>()
      await poll(read, (history) => history.first_seq === 3)
    } finally {
      await later.close()
    }
  })
})

describe('DELETE /channels/:id/messages', () => {
  it('removes what lies below before_seq (all without it), for the operator only', async () => {
    const channelId = await openChannel('del-provider', 'del-consumer')
    await send('del-provider', channelId, 4)
    const refused = await app.inject({ method: 'DELETE', url: `/channels/${channelId}/messages`, headers: { 'x-agent-id': 'del-provider' } })
    expect(refused.statusCode).toBe(403)
    expect((await app.inject({ method: 'DELETE', url: '/channels/ch_01JDV6QZ0000000000000000XX/messages' })).statusCode).toBe(404)

    const some = await app.inject({ method: 'DELETE', url: `/channels/${channelId}/messages?before_seq=3` })
    expect(some.json()).toEqual({ channel_id: channelId, removed: 2, first_seq: 3 })
    expect((await page(channelId)).messages.map((m) => m.seq)).toEqual([3, 4])
    const all = await app.inject({ method: 'DELETE', url: `/channels/${channelId}/messages` })
    expect(all.json()).toEqual({ channel_id: channelId, removed: 2, first_seq: 5 })
    expect(await page(channelId)).toEqual({ channel_id: channelId, messages: [], has_more: false, first_seq: 5 })
    const [next] = await send('del-provider', channelId, 1, 5)
    expect(next?.message.seq).toBe(5)
  })
})

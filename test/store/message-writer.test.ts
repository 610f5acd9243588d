// The group-commit writer on a real database (SQLite, or Postgres with HUB_TEST_DATABASE=postgres): gapless per-channel seqs under concurrency,
// real batching, client_msg_id idempotency inside and across batches, per-message refusals in a
// mixed batch, drain(), and what the commit listener is told.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore, type Store, type StoredMessage } from '../../src/store/index.js'
import type { MessageDraft } from '../../src/store/message-writer.js'
import { tempDatabase, type TempDatabase } from '../helpers/database.js'

const MAX_BATCH = 100
let store: Store
let temp: TempDatabase
let batches: number[]
let backgroundErrors: unknown[]

beforeEach(async () => {
  temp = await tempDatabase()
  batches = []
  backgroundErrors = []
  store = await openStore({
    databaseUrl: temp.url,
    maxBatch: MAX_BATCH,
    onBatch: (size) => batches.push(size),
    onError: (error) => backgroundErrors.push(error),
  })
})
afterEach(async () => {
  await store.close()
  await temp.remove()
  expect(backgroundErrors).toEqual([])
})

let counter = 0
async function activeChannel(status: 'active' | 'ended' = 'active') {
  const providerId = `prov-${++counter}`
  const consumerId = `cons-${counter}`
  await store.agents.ensure([providerId, consumerId])
  return store.channels.create({ providerId, consumerId, serviceId: null, status })
}

const draft = (channelId: string, senderId: string, content: string, clientMsgId?: string): MessageDraft => ({
  channelId,
  senderId,
  content,
  ...(clientMsgId !== undefined ? { clientMsgId } : {}),
})

const rows = (channelId: string) => store.database.prisma.message.findMany({ where: { channelId }, orderBy: { seq: 'asc' } })
const codeOf = (result: PromiseSettledResult<unknown>) =>
  result.status === 'rejected' ? (result.reason as { code?: string }).code : 'stored'

describe('MessageWriter', () => {
  it('gives 500 concurrent messages over 3 channels gapless seqs 1..n, with last_seq matching', async () => {
    const channels = [await activeChannel(), await activeChannel(), await activeChannel()]
    const submitted = Array.from({ length: 500 }, (_, i) => {
      const channel = channels[i % 3]!
      return store.writer.submit(draft(channel.id, i % 2 ? channel.providerId : channel.consumerId, `msg ${i}`))
    })
    const stored = await Promise.all(submitted)
    expect(new Set(stored.map((s) => s.message.message_id)).size).toBe(500)

    for (const [index, channel] of channels.entries()) {
      const expected = index === 2 ? 166 : 167
      const range = Array.from({ length: expected }, (_, i) => i + 1)
      const acked = stored.filter((s) => s.message.channel_id === channel.id).map((s) => s.message.seq)
      expect([...acked].sort((a, b) => a - b)).toEqual(range)
      const inDb = await rows(channel.id)
      expect(inDb.map((row) => row.seq)).toEqual(range)
      // Submission order within a channel is seq order.
      expect(inDb.map((row) => row.content)).toEqual(
        Array.from({ length: 500 }, (_, i) => i)
          .filter((i) => i % 3 === index)
          .map((i) => `msg ${i}`),
      )
      expect((await store.channels.get(channel.id))?.lastSeq).toBe(expected)
    }
  })

  it('commits many messages per transaction under load, never more than maxBatch', async () => {
    const channel = await activeChannel()
    await Promise.all(Array.from({ length: 350 }, (_, i) => store.writer.submit(draft(channel.id, channel.consumerId, `m${i}`))))
    expect(batches.reduce((sum, size) => sum + size, 0)).toBe(350)
    expect(Math.max(...batches)).toBeGreaterThan(1)
    expect(Math.max(...batches)).toBeLessThanOrEqual(MAX_BATCH)
    expect(batches.length).toBeLessThan(350)
  })

  it('stores a client_msg_id once when repeated in one batch and again later, marking the repeats duplicate', async () => {
    const channel = await activeChannel()
    // Submitted in one turn of the event loop, all three share one transaction.
    const filler = store.writer.submit(draft(channel.id, channel.providerId, 'first in the batch'))
    const first = store.writer.submit(draft(channel.id, channel.consumerId, 'hello', 'cm-1'))
    const repeat = store.writer.submit(draft(channel.id, channel.consumerId, 'hello', 'cm-1'))
    const [, a, b] = await Promise.all([filler, first, repeat])
    expect(batches).toEqual([3])
    const later = await store.writer.submit(draft(channel.id, channel.consumerId, 'hello', 'cm-1'))

    expect(a.duplicate).toBe(false)
    expect(b.duplicate).toBe(true)
    expect(later.duplicate).toBe(true)
    expect(b.message).toEqual(a.message)
    expect(later.message).toEqual(a.message)
    expect(a.message).toMatchObject({ seq: 2, client_msg_id: 'cm-1' })

    const stored = await rows(channel.id)
    expect(stored.filter((row) => row.clientMsgId === 'cm-1')).toHaveLength(1)
    expect(stored.map((row) => row.seq)).toEqual([1, 2])
    expect((await store.channels.get(channel.id))?.lastSeq).toBe(2)
  })

  it('returns the original for a client_msg_id retried after the channel ended', async () => {
    // SPEC: "a retried send returns the original message, no copy" — a client whose ack was lost
    // must learn the message is stored even if the channel ended meanwhile.
    const channel = await activeChannel()
    const original = await store.writer.submit(draft(channel.id, channel.consumerId, 'sent before the end', 'cm-end'))
    await store.channels.transition(channel.id, ['active'], 'ended', { endedAt: new Date() })
    const retry = await store.writer.submit(draft(channel.id, channel.consumerId, 'sent before the end', 'cm-end'))
    expect(retry.duplicate).toBe(true)
    expect(retry.message).toEqual(original.message)
  })

  it('stores the valid messages of a mixed batch and refuses the others with their own errors', async () => {
    const a = await activeChannel()
    const b = await activeChannel()
    const ended = await activeChannel('ended')
    const filler = store.writer.submit(draft(a.id, a.consumerId, 'first in the batch'))
    const batch = [
      store.writer.submit(draft(a.id, a.consumerId, 'a1')),
      store.writer.submit(draft(ended.id, ended.consumerId, 'to an ended channel')),
      store.writer.submit(draft(b.id, b.providerId, 'b1')),
      store.writer.submit(draft('ch_00000000000000000000000000', a.consumerId, 'to nowhere')),
      store.writer.submit(draft(a.id, 'stranger', 'not a member')),
      store.writer.submit(draft(a.id, a.providerId, 'a2')),
    ]
    await filler
    const results = await Promise.allSettled(batch)
    expect(batches).toEqual([7])
    expect(results.map(codeOf)).toEqual(['stored', 'CHANNEL_NOT_ACTIVE', 'stored', 'CHANNEL_NOT_FOUND', 'FORBIDDEN', 'stored'])

    expect((await rows(a.id)).map((row) => [row.seq, row.content])).toEqual([
      [1, 'first in the batch'],
      [2, 'a1'],
      [3, 'a2'],
    ])
    expect((await rows(b.id)).map((row) => [row.seq, row.content])).toEqual([[1, 'b1']])
    expect(await rows(ended.id)).toEqual([])
    expect((await store.channels.get(ended.id))?.lastSeq).toBe(0)
    expect((await store.channels.get(a.id))?.lastSeq).toBe(3)
    expect(await store.database.prisma.message.count()).toBe(4)
  })

  it('resolves drain() only after every earlier submit is committed', async () => {
    await store.writer.drain() // nothing queued: resolves at once

    const channel = await activeChannel()
    const settled: boolean[] = []
    for (let i = 0; i < 120; i++) {
      settled.push(false)
      void store.writer.submit(draft(channel.id, channel.consumerId, `d${i}`)).then(() => (settled[i] = true))
    }
    void store.writer.submit(draft('ch_00000000000000000000000000', channel.consumerId, 'refused')).catch(() => undefined)
    await store.writer.drain()
    expect(await store.database.prisma.message.count({ where: { channelId: channel.id } })).toBe(120)
    expect(settled.every(Boolean)).toBe(true)
    expect(store.writer.backlog).toBe(0)
  })

  it('tells the commit listener only new messages, in seq order', async () => {
    const a = await activeChannel()
    const b = await activeChannel()
    const heard: StoredMessage[][] = []
    store.writer.onCommitted((batch) => heard.push(batch))

    const original = await store.writer.submit(draft(a.id, a.consumerId, 'keyed', 'cm-x'))
    const results = await Promise.allSettled([
      store.writer.submit(draft(a.id, a.consumerId, 'keyed', 'cm-x')),
      store.writer.submit(draft(a.id, a.providerId, 'p1')),
      store.writer.submit(draft(b.id, b.consumerId, 'b1', 'cm-y')),
      store.writer.submit(draft(b.id, b.consumerId, 'b1', 'cm-y')),
      store.writer.submit(draft(a.id, 'stranger', 'refused')),
      store.writer.submit(draft(a.id, a.consumerId, 'c1')),
      store.writer.submit(draft(b.id, b.providerId, 'b2')),
    ])
    const fresh = results.flatMap((r) => (r.status === 'fulfilled' && !r.value.duplicate ? [r.value.message] : []))
    expect(fresh.map((m) => m.content)).toEqual(['p1', 'b1', 'c1', 'b2'])

    const told = heard.flat()
    expect(heard.every((batch) => batch.length > 0)).toBe(true)
    expect(told.every((s) => !s.duplicate)).toBe(true)
    expect(told.map((s) => s.message.message_id).sort()).toEqual([original.message, ...fresh].map((m) => m.message_id).sort())
    for (const channel of [a, b]) {
      const seqs = told.filter((s) => s.message.channel_id === channel.id).map((s) => s.message.seq)
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1))
    }
    const recipients = told.map((s) => [s.message.content, s.recipientId])
    expect(recipients).toContainEqual(['p1', a.consumerId])
    expect(recipients).toContainEqual(['b1', b.providerId])
  })
})

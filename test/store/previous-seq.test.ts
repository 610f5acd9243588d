// Gap detection's raw material, on a real database (SQLite, or Postgres with
// HUB_TEST_DATABASE=postgres): each stored message names the previous seq its sender sent on the
// channel, chained across batches, within a batch and across two hubs sharing the database, and
// the channel keeps each party's last sent seq under the same lock.
import { beforeEach, describe, expect, it } from 'vitest'
import type { StoredMessage } from '../../src/store/index.js'
import type { MessageDraft } from '../../src/store/message-writer.js'
import { useTempStore } from '../helpers/store.js'

let batches: number[] = []
const db = useTempStore((size) => batches.push(size))
beforeEach(() => {
  batches = []
})

let counter = 0
async function activeChannel() {
  const providerId = `prov-${++counter}`
  const consumerId = `cons-${counter}`
  await db.store.agents.ensure([providerId, consumerId])
  return db.store.channels.create({ providerId, consumerId, serviceId: null, status: 'active' })
}

const draft = (channelId: string, senderId: string, content: string, clientMsgId?: string): MessageDraft => ({
  channelId,
  senderId,
  content,
  ...(clientMsgId !== undefined ? { clientMsgId } : {}),
})

/** [content, seq, previousSeq] of each stored message. */
const chain = (stored: StoredMessage[]) => stored.map((s) => [s.message.content, s.message.seq, s.previousSeq])

const sentSeqs = async (channelId: string) => {
  const channel = await db.store.channels.get(channelId)
  return { provider: channel?.providerSentSeq, consumer: channel?.consumerSentSeq }
}

/** Checks every message's previousSeq against the table: the sender's message before it, or 0. */
async function expectChainMatchesTable(channelId: string, stored: StoredMessage[]) {
  const rows = await db.store.database.prisma.message.findMany({ where: { channelId }, orderBy: { seq: 'asc' } })
  const last = new Map<string, number>()
  const expected = new Map<number, number>()
  for (const row of rows) {
    expected.set(row.seq, last.get(row.senderId) ?? 0)
    last.set(row.senderId, row.seq)
  }
  const mine = stored.filter((s) => s.message.channel_id === channelId)
  expect(mine).toHaveLength(rows.length)
  for (const s of mine) expect([s.message.seq, s.previousSeq]).toEqual([s.message.seq, expected.get(s.message.seq)])
  return last
}

describe('previousSeq', () => {
  it('chains each sender across batches, for both roles', async () => {
    const ch = await activeChannel()
    const stored: StoredMessage[] = []
    for (const [sender, content] of [
      [ch.consumerId, 'c1'],
      [ch.providerId, 'p1'],
      [ch.consumerId, 'c2'],
      [ch.consumerId, 'c3'],
      [ch.providerId, 'p2'],
    ] as const) {
      stored.push(await db.store.writer.submit(draft(ch.id, sender, content)))
    }
    expect(batches).toEqual([1, 1, 1, 1, 1])
    expect(chain(stored)).toEqual([
      ['c1', 1, 0],
      ['p1', 2, 0],
      ['c2', 3, 1],
      ['c3', 4, 3],
      ['p2', 5, 2],
    ])
    expect(stored.map((s) => s.recipientRole)).toEqual(['provider', 'consumer', 'provider', 'provider', 'consumer'])
    expect(await sentSeqs(ch.id)).toEqual({ provider: 5, consumer: 4 })
  })

  it('chains within one batch, per channel, and carries on in the next batch', async () => {
    const a = await activeChannel()
    const b = await activeChannel()
    const first = await Promise.all([
      db.store.writer.submit(draft(a.id, a.consumerId, 'a-c1')),
      db.store.writer.submit(draft(b.id, b.providerId, 'b-p1')),
      db.store.writer.submit(draft(a.id, a.consumerId, 'a-c2')),
      db.store.writer.submit(draft(a.id, a.providerId, 'a-p1')),
      db.store.writer.submit(draft(b.id, b.providerId, 'b-p2')),
      db.store.writer.submit(draft(a.id, a.consumerId, 'a-c3')),
    ])
    expect(batches).toEqual([6])
    expect(chain(first)).toEqual([
      ['a-c1', 1, 0],
      ['b-p1', 1, 0],
      ['a-c2', 2, 1],
      ['a-p1', 3, 0],
      ['b-p2', 2, 1],
      ['a-c3', 4, 2],
    ])
    expect(await sentSeqs(a.id)).toEqual({ provider: 3, consumer: 4 })
    expect(await sentSeqs(b.id)).toEqual({ provider: 2, consumer: 0 })

    const next = await Promise.all([
      db.store.writer.submit(draft(a.id, a.providerId, 'a-p2')),
      db.store.writer.submit(draft(b.id, b.consumerId, 'b-c1')),
      db.store.writer.submit(draft(a.id, a.consumerId, 'a-c4')),
    ])
    expect(chain(next)).toEqual([
      ['a-p2', 5, 3],
      ['b-c1', 3, 0],
      ['a-c4', 6, 4],
    ])
    expect(await sentSeqs(a.id)).toEqual({ provider: 5, consumer: 6 })
    expect(await sentSeqs(b.id)).toEqual({ provider: 2, consumer: 3 })
  })

  it('gives duplicates previousSeq 0 and leaves them out of the chain', async () => {
    const ch = await activeChannel()
    const original = await db.store.writer.submit(draft(ch.id, ch.consumerId, 'keyed', 'cm-1'))
    const batch = await Promise.all([
      db.store.writer.submit(draft(ch.id, ch.consumerId, 'keyed', 'cm-1')), // retry of a stored message
      db.store.writer.submit(draft(ch.id, ch.consumerId, 'c2', 'cm-2')),
      db.store.writer.submit(draft(ch.id, ch.consumerId, 'c2', 'cm-2')), // repeat within the batch
      db.store.writer.submit(draft(ch.id, ch.consumerId, 'c3')),
    ])
    expect(batches).toEqual([1, 4])
    expect([original.duplicate, original.previousSeq]).toEqual([false, 0])
    expect(batch.map((s) => [s.message.content, s.message.seq, s.duplicate, s.previousSeq])).toEqual([
      ['keyed', 1, true, 0],
      ['c2', 2, false, 1],
      ['c2', 2, true, 0],
      ['c3', 3, false, 2],
    ])
    expect(await sentSeqs(ch.id)).toEqual({ provider: 0, consumer: 3 })
  })

  it('moves no sent seq for refused messages', async () => {
    const ch = await activeChannel()
    await db.store.writer.submit(draft(ch.id, ch.providerId, 'p1'))
    await db.store.channels.transition(ch.id, ['active'], 'ended', { endedAt: new Date() })
    await expect(db.store.writer.submit(draft(ch.id, ch.consumerId, 'too late'))).rejects.toMatchObject({ code: 'CHANNEL_NOT_ACTIVE' })
    expect(await sentSeqs(ch.id)).toEqual({ provider: 1, consumer: 0 })
    expect((await db.store.channels.get(ch.id))?.lastSeq).toBe(1)
  })

  it('matches the table under load, and when two hubs write to one channel at once', async () => {
    const ch = await activeChannel()
    const other = await db.open()
    const senders = [ch.providerId, ch.consumerId]
    const submitted = Array.from({ length: 300 }, (_, i) => {
      // An irregular mix of senders and of hubs, so that batches hold runs of either party.
      const sender = senders[(i * 7) % 3 === 0 ? 0 : 1] as string
      return (i % 4 === 0 ? other : db.store).writer.submit(draft(ch.id, sender, `m${i}`))
    })
    const stored = await Promise.all(submitted)
    const last = await expectChainMatchesTable(ch.id, stored)
    expect(await sentSeqs(ch.id)).toEqual({ provider: last.get(ch.providerId), consumer: last.get(ch.consumerId) })
  })
})

// Delivery cursors: advanced in memory, written back in the background, and never forgotten in
// between — a connection that asks while a write is in flight still sees the latest cursor.
import { expect, it } from 'vitest'
import { useTempStore } from '../helpers/store.js'

const db = useTempStore()

it('keeps a cursor visible while it is being written, then in the database', async () => {
  await db.store.agents.ensure(['p', 'c'])
  const channel = await db.store.channels.create({ providerId: 'p', consumerId: 'c', serviceId: null, status: 'active' })
  db.store.cursors.advance(channel.id, 'consumer', 5)
  db.store.cursors.advance(channel.id, 'consumer', 3) // never backwards
  expect(db.store.cursors.unsaved(channel.id, 'consumer')).toBe(5)

  const writing = db.store.cursors.flush()
  expect(db.store.cursors.unsaved(channel.id, 'consumer')).toBe(5)
  await writing

  expect(db.store.cursors.unsaved(channel.id, 'consumer')).toBe(0)
  expect(await db.store.channels.get(channel.id)).toMatchObject({ consumerDeliveredSeq: 5, providerDeliveredSeq: 0 })
})

it('writes both cursors of many channels in one flush, and never moves one back', async () => {
  // Three pairs: a pair has one active channel at most.
  await db.store.agents.ensure(['p', 'c1', 'c2', 'c3'])
  const channels = await Promise.all([1, 2, 3].map((n) => db.store.channels.create({ providerId: 'p', consumerId: `c${n}`, serviceId: null, status: 'active' })))
  channels.forEach((channel, i) => {
    db.store.cursors.advance(channel.id, 'provider', 10 + i)
    db.store.cursors.advance(channel.id, 'consumer', 20 + i)
  })
  await db.store.cursors.flush()
  // Behind what the database has (another connection got further): the flush leaves it.
  db.store.cursors.advance(channels[0]!.id, 'provider', 4)
  db.store.cursors.advance(channels[1]!.id, 'consumer', 30)
  await db.store.cursors.flush()

  const stored = await Promise.all(channels.map(async (channel) => await db.store.channels.get(channel.id)))
  expect(stored.map((row) => [row?.providerDeliveredSeq, row?.consumerDeliveredSeq])).toEqual([
    [10, 20],
    [11, 30],
    [12, 22],
  ])
})

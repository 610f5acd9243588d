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

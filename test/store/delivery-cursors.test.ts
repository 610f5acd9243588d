// Delivery cursors: advanced in memory, written back in the background, and never forgotten in
// between — a connection that asks while a write is in flight still sees the latest cursor.
import { afterEach, beforeEach, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/store/index.js'
import { tempDatabase, type TempDatabase } from '../helpers/database.js'

let store: Store
let temp: TempDatabase

beforeEach(async () => {
  temp = await tempDatabase()
  store = await openStore({ databaseUrl: temp.url, maxBatch: 100, onError: (error) => expect.fail(String(error)) })
})
afterEach(async () => {
  await store.close()
  await temp.remove()
})

it('keeps a cursor visible while it is being written, then in the database', async () => {
  await store.agents.ensure(['p', 'c'])
  const channel = await store.channels.create({ providerId: 'p', consumerId: 'c', serviceId: null, status: 'active' })
  store.cursors.advance(channel.id, 'consumer', 5)
  store.cursors.advance(channel.id, 'consumer', 3) // never backwards
  expect(store.cursors.unsaved(channel.id, 'consumer')).toBe(5)

  const writing = store.cursors.flush()
  expect(store.cursors.unsaved(channel.id, 'consumer')).toBe(5)
  await writing

  expect(store.cursors.unsaved(channel.id, 'consumer')).toBe(0)
  expect(await store.channels.get(channel.id)).toMatchObject({ consumerDeliveredSeq: 5, providerDeliveredSeq: 0 })
})

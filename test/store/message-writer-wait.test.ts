// Group commit's wait (WriterOptions.waitMs), on a real database: a message reaching an idle
// writer is not held (a new one, or one that messages reached fast but that has since been idle
// for longer than the wait), and once messages have been arriving a batch waits for more, ending
// its wait as soon as it is full enough. The wait is a minute here, so a batch held that long would
// fail the test by its timeout, not by a timing assertion.
import { afterEach, beforeEach, expect, it } from 'vitest'
import { openStore, type Store } from '../../src/store/index.js'
import { MessageWriter } from '../../src/store/message-writer.js'
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

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

/** A writer waiting up to waitMs on a channel of its own, and the sizes of the batches it commits. */
async function waitingWriter(waitMs: number) {
  await store.agents.ensure(['wait-p', 'wait-c'])
  const channel = await store.channels.create({ providerId: 'wait-p', consumerId: 'wait-c', serviceId: null, status: 'active' })
  const batches: number[] = []
  const writer = new MessageWriter(store.database.log, { maxBatch: 100, waitMs, onBatch: (size) => batches.push(size) })
  return { batches, send: (content: string) => writer.submit({ channelId: channel.id, senderId: 'wait-c', content }) }
}

it('holds no message reaching an idle writer, and ends a wait once 16 messages share the batch', async () => {
  const { batches, send } = await waitingWriter(60_000)

  await send('alone')
  const gathered = []
  for (let i = 0; i < 16; i++) {
    gathered.push(send(`m${i}`))
    await nextTurn()
  }
  const stored = await Promise.all(gathered)

  expect(batches).toEqual([1, 16])
  expect(stored.map((s) => s.message.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 2))
}, 30_000)

it('holds no message reaching a writer idle for longer than the wait, however fast messages came before', async () => {
  const { batches, send } = await waitingWriter(200)
  const burst = []
  for (let i = 0; i < 40; i++) {
    burst.push(send(`burst${i}`))
    await nextTurn()
  }
  await Promise.all(burst)
  await new Promise((resolve) => setTimeout(resolve, 300))

  const before = batches.length
  const after = [send('after-a-pause')]
  await nextTurn()
  after.push(send('next'))
  await nextTurn()
  after.push(send('and-next'))
  await Promise.all(after)

  // Held for the wait, the first would have shared its batch with the two sent on the next turns.
  expect(batches[before]).toBe(1)
}, 30_000)

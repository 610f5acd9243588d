// Reading a recipient's messages from the store page by page (delivery/recovery.ts): each read
// moves on from the last seq it covered, whatever it returned.
import { describe, expect, it } from 'vitest'
import { storedMessages } from '../../src/delivery/recovery.js'
import type { Store } from '../../src/store/index.js'
import { message } from './fakes.js'

type Backlog = Store['messages']['backlog']

/** A store whose backlog reads answer the given pages in turn, recording where each began. */
function pagedStore(pages: Awaited<ReturnType<Backlog>>[]): { store: Store; asked: number[] } {
  const asked: number[] = []
  const backlog: Backlog = (_channelId, _recipientId, afterSeq) => {
    asked.push(afterSeq)
    return Promise.resolve(pages.shift() ?? { messages: [], more: false, through: undefined })
  }
  return { store: { messages: { backlog } } as unknown as Store, asked }
}

async function all(source: AsyncIterable<{ seq: number }>): Promise<number[]> {
  const seqs: number[] = []
  for await (const { seq } of source) seqs.push(seq)
  return seqs
}

describe('stored messages', () => {
  it('reads on past a page whose messages were all removed between its two reads', async () => {
    const { store, asked } = pagedStore([
      { messages: [message(1), message(2)], more: true, through: 2 },
      // Its large messages (3–5) were removed by retention before their text was read.
      { messages: [], more: true, through: 5 },
      { messages: [message(6)], more: false, through: 6 },
    ])
    expect(await all(storedMessages(store, 'ch', 'consumer')(0))).toEqual([1, 2, 6])
    expect(asked).toEqual([0, 2, 5])
  })

  it('stops when a read covers nothing', async () => {
    const { store, asked } = pagedStore([{ messages: [], more: false, through: undefined }])
    expect(await all(storedMessages(store, 'ch', 'consumer')(3))).toEqual([])
    expect(asked).toEqual([3])
  })
})

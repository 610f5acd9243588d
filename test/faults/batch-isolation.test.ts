// One bad message in a group-commit batch: refused alone, at the cost of a few transactions, never
// one transaction per message; a database that refuses everything costs a bounded number of tries;
// a commit listener that throws keeps no sender waiting; metadata past its bounds never reaches a batch.
import { describe, expect, it } from 'vitest'
import type { MessageDraft, MessageLog, Outcome } from '../../src/store/message-log.js'
import { MessageWriter } from '../../src/store/message-writer.js'

/** A message log whose write fails whenever the batch holds a draft `poisoned` accepts. */
function fakeLog(poisoned: (draft: MessageDraft) => boolean) {
  const writes: number[] = []
  let seq = 0
  const log = {
    write: (drafts: MessageDraft[]): Promise<Outcome[]> => {
      writes.push(drafts.length)
      if (drafts.some(poisoned)) return Promise.reject(new Error('statement failed'))
      return Promise.resolve(
        drafts.map((draft) => ({
          stored: {
            message: {
              message_id: `m${++seq}`,
              channel_id: draft.channelId,
              sender_id: draft.senderId,
              content: draft.content,
              seq,
              timestamp: '',
            },
            recipientId: 'r',
            recipientRole: 'provider' as const,
            duplicate: false,
            previousSeq: 0,
          },
        })),
      )
    },
  } as unknown as MessageLog
  return { log, writes }
}

const drafts = (count: number): MessageDraft[] =>
  Array.from({ length: count }, (_, i) => ({ channelId: 'ch', senderId: 's', content: `m${i}` }))

describe('a bad message in a batch', () => {
  it('is refused alone, in a few transactions', async () => {
    const { log, writes } = fakeLog((draft) => draft.content === 'm137')
    const writer = new MessageWriter(log, { maxBatch: 500 })
    const results = await Promise.allSettled(drafts(500).map((draft) => writer.submit(draft)))
    const refused = results.flatMap((result, i) => (result.status === 'rejected' ? [i] : []))
    expect(refused).toEqual([137])
    // The batch, its retry, then one halving per level: ~2 + 2·log2(500), not 500.
    expect(writes.length).toBeLessThanOrEqual(2 + 2 * Math.ceil(Math.log2(500)))
    console.log(`one bad message in 500: ${writes.length} transactions`)
  })

  it('costs a bounded number of tries when the database refuses everything', async () => {
    const { log, writes } = fakeLog(() => true)
    const writer = new MessageWriter(log, { maxBatch: 500 })
    const results = await Promise.allSettled(drafts(500).map((draft) => writer.submit(draft)))
    expect(results.every((result) => result.status === 'rejected')).toBe(true)
    expect(writes.length).toBeLessThanOrEqual(6 + 2 * Math.ceil(Math.log2(501)))
  })

  it('keeps no sender waiting when a commit listener throws', async () => {
    const { log } = fakeLog(() => false)
    const errors: unknown[] = []
    const writer = new MessageWriter(log, { maxBatch: 10, onListenerError: (error) => errors.push(error) })
    writer.onCommitted(() => {
      throw new RangeError('Maximum call stack size exceeded')
    })
    const stored = await Promise.all(drafts(25).map((draft) => writer.submit(draft, () => undefined)))
    expect(stored).toHaveLength(25)
    expect(errors.length).toBeGreaterThan(0)
  })

  it('refuses metadata past its bounds before it joins a batch', async () => {
    const { log, writes } = fakeLog(() => false)
    const writer = new MessageWriter(log, { maxBatch: 10 })
    const deep = JSON.parse(`{"m":${'['.repeat(5000)}${']'.repeat(5000)}}`) as Record<string, unknown>
    await expect(writer.submit({ channelId: 'ch', senderId: 's', content: 'x', metadata: deep })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    })
    await expect(writer.submit({ channelId: 'ch', senderId: 's', content: 'x', metadata: { big: 'x'.repeat(70_000) } })).rejects.toThrow(
      /bytes/,
    )
    expect(writes).toEqual([])
  })
})

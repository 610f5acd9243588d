// The write pipeline without a database: the order in which it asks a database for a batch's
// statements, one step on channels whose rows it knows, driven at once or asynchronously (a fake
// that answers from memory).
import { describe, expect, it } from 'vitest'
import type { MessageDraft } from '../../src/store/message-log.js'
import type { ChannelRow } from '../../src/store/write-batch.js'
import { runAsync, runSync, writeBatch } from '../../src/store/write-pipeline.js'
import { ChannelCache } from '../../src/store/known-channels.js'
import { channel, draft, memory, storedRow, summary } from './batch-fixtures.js'

describe('the write pipeline', () => {
  it('locks and looks up retries in one step, then reserves and inserts in another, driven at once or asynchronously', async () => {
    const drafts = [draft('a', 'a-p', '1', 'k'), draft('a', 'a-c', '2'), draft('a', 'a-p', '3')]
    const now = memory([channel('a')])
    expect(runSync(writeBatch(now.statements, drafts)).map(summary)).toEqual([
      [1, 0, false],
      [2, 0, false],
      [3, 1, false],
    ])
    expect(now.asked).toEqual(['lock, retries', 'store 1,2,3'])

    const later = memory([channel('a')], [], true)
    expect((await runAsync(writeBatch(later.statements, drafts))).map(summary)).toEqual([
      [1, 0, false],
      [2, 0, false],
      [3, 1, false],
    ])
    expect(later.asked).toEqual(now.asked)
  })

  it('asks only for what the batch needs: no retries without client_msg_ids, no reservation when all is refused', () => {
    const db = memory([channel('a', 'ended')])
    expect(runSync(writeBatch(db.statements, [draft('a', 'a-p', '1')])).map(summary)).toEqual(['CHANNEL_NOT_ACTIVE'])
    expect(db.asked).toEqual(['lock'])
  })

  it('answers a stored retry with its original and writes nothing', () => {
    const db = memory([channel('a')], [storedRow('a', 'a-c', 3, 'k')])
    expect(runSync(writeBatch(db.statements, [draft('a', 'a-c', 'again', 'k')])).map(summary)).toEqual([[3, 0, true]])
    expect(db.asked).toEqual(['lock, retries'])
  })

  it('fails the batch when a channel changed under its lock, so that its transaction rolls back', () => {
    const row = channel('a')
    const db = memory([row])
    // What a lock prevents: the channel ends between the read and the reservation.
    const read = { ...row }
    db.statements.lockChannels = () => ({ channels: [read], stored: [] })
    row.status = 'ended'
    expect(() => runSync(writeBatch(db.statements, [draft('a', 'a-p', '1')]))).toThrow(/changed under their lock/)
  })

  it('stores a batch on known channels in one step, and in two when a row moved, trusting for a while only the rows that had not', () => {
    const rows = [channel('a'), channel('b')]
    const db = memory(rows, [storedRow('a', 'a-c', 1, 'k')])
    const known = new ChannelCache()
    const write = (...drafts: MessageDraft[]) => {
      db.asked.length = 0
      return { outcomes: runSync(writeBatch(db.statements, drafts, known)).map(summary), asked: [...db.asked] }
    }
    expect(write(draft('a', 'a-p', '1'), draft('b', 'b-c', '1'))).toEqual({ outcomes: [[1, 0, false], [1, 0, false]], asked: ['lock', 'store 1,1'] })
    expect(write(draft('a', 'a-p', '2'), draft('b', 'b-p', '2'))).toEqual({ outcomes: [[2, 1, false], [2, 0, false]], asked: ['store known 2,2'] })
    // A retry of a stored message: the step's check fails, and the two steps find the original.
    expect(write(draft('a', 'a-c', 'again', 'k'))).toEqual({ outcomes: [[1, 0, true]], asked: ['store known: not as known', 'lock, retries'] })
    // Another writer moves b.
    Object.assign(rows[1] as ChannelRow, { lastSeq: 3, consumerSentSeq: 3 })
    expect(write(draft('a', 'a-c', '3'), draft('b', 'b-p', '4'))).toEqual({
      outcomes: [[3, 0, false], [4, 2, false]],
      asked: ['store known: not as known', 'lock', 'store 3,4'],
    })
    expect(write(draft('a', 'a-p', '4'))).toEqual({ outcomes: [[4, 2, false]], asked: ['store known 4'] })
    expect(write(draft('b', 'b-c', '5'))).toEqual({ outcomes: [[5, 3, false]], asked: ['lock', 'store 5'] })
  })

  it('refuses to drive asynchronous statements synchronously', () => {
    const db = memory([channel('a')], [], true)
    expect(() => runSync(writeBatch(db.statements, [draft('a', 'a-p', '1')]))).toThrow(/synchronous/)
  })
})

// Removing stored messages: those older than a cutoff (MESSAGE_RETENTION), or one channel's
// before a seq (the operator's DELETE /channels/:id/messages). Always in bounded batches, each
// its own short statement, so that the group-commit writer and history reads go on between them.
// Seqs are reserved from channels.last_seq, never from the messages left, so removing messages
// changes no seq to come; where a channel's history now starts is its oldest message left.
import { messageIdAt } from './ids.js'
import type { MessageLog } from './message-log.js'

/** Rows one statement removes at most. */
export const PURGE_BATCH = 200

/** What one batch removed, and where the next one starts (past rows already gone, which a
 * database may still have to step over until it vacuums them). */
export interface Batch {
  removed: number
  /** The id (or seq) the next batch starts after. */
  after: string
}

export class MessageRetention {
  constructor(private readonly log: MessageLog) {}

  /**
   * Removes up to `batch` messages stored before `cutoffMs`, oldest first (by id: ids sort by
   * time, and the primary key finds them without a scan). Returns how many went.
   */
  async removeOlderThan(cutoffMs: number, after = '', batch = PURGE_BATCH): Promise<Batch> {
    const rows = await this.log.read<{ id: string }>(
      `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE id > $1 AND id < $2 ORDER BY id LIMIT ${Math.trunc(batch)}) RETURNING id`,
      [after, messageIdAt(cutoffMs)],
    )
    return { removed: rows.length, after: rows.reduce((last, row) => (row.id > last ? row.id : last), after) }
  }

  /** Removes up to `batch` of the channel's messages with seq below `beforeSeq` (the unique (channel_id, seq) index finds them). */
  async removeFromChannel(channelId: string, beforeSeq: number, after = '0', batch = PURGE_BATCH): Promise<Batch> {
    const rows = await this.log.read<{ seq: number | string }>(
      `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE channel_id = $1 AND seq > $2 AND seq < $3 ORDER BY seq LIMIT ${Math.trunc(batch)}) RETURNING seq`,
      [channelId, Number(after), beforeSeq],
    )
    return { removed: rows.length, after: String(rows.reduce((last, row) => Math.max(last, Number(row.seq)), Number(after))) }
  }

  /**
   * The seq of the channel's oldest message still stored, or its last seq + 1 when none is: the
   * messages below it were removed (1: none ever was).
   */
  async firstSeq(channelId: string): Promise<number> {
    const [row] = await this.log.read<Bounds>(`SELECT ${boundsColumns(1)}`, [channelId, channelId], true)
    return firstSeqOf(row)
  }
}

/** What firstSeq reads: the channel's oldest seq still stored, and its last one (null: no such channel). */
export interface Bounds {
  first: number | string | null
  last: number | string | null
}

/** Bounds as two columns of any statement: the channel's id as parameters $n and $n+1. */
export const boundsColumns = (n: number): string =>
  `(SELECT MIN(seq) FROM messages WHERE channel_id = $${n}) AS first, (SELECT last_seq FROM channels WHERE id = $${n + 1}) AS last`

/** Where the channel's history starts, from its bounds (1 for a channel that does not exist). */
export function firstSeqOf(bounds: Bounds | undefined): number {
  if (bounds === undefined || bounds.last === null) return 1
  return bounds.first === null ? Number(bounds.last) + 1 : Number(bounds.first)
}

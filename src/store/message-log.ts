// Where the group-commit writer writes: one transaction per batch, in raw SQL on the database
// driver itself. The hot path skips the ORM's per-query work; everything else stays on Prisma.
import type { Role } from './channels.js'
import type { MessageDraft, Outcome } from './write-batch.js'

/** How far an agent has been sent a channel. */
export interface Cursor {
  channelId: string
  role: Role
  seq: number
}

export interface MessageLog {
  /** Stores a batch in one transaction; one outcome per draft, in order. */
  write(drafts: MessageDraft[]): Promise<Outcome[]>
  /** Moves delivery cursors forward (never back), all in one transaction. */
  saveCursors(cursors: Cursor[]): Promise<void>
  close(): Promise<void>
}

export const INSERT_COLUMNS = '(id, channel_id, seq, sender_id, content, metadata, client_msg_id, created_at)'
export const RESERVE_SQL = "UPDATE channels SET last_seq = last_seq + $1 WHERE id = $2 AND status = 'active' RETURNING last_seq"

/** The guarded cursor update for a role: a cursor only moves forward. */
export const cursorSql = (role: Role) => {
  const column = role === 'provider' ? 'provider_delivered_seq' : 'consumer_delivered_seq'
  return `UPDATE channels SET ${column} = $1 WHERE id = $2 AND ${column} < $1`
}

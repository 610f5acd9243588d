// Where the group-commit writer writes: one transaction per batch, in raw SQL on the database
// driver itself. The hot path skips the ORM's per-query work; everything else stays on Prisma.
import type { Role } from '../domain/channel.js'
import type { MessageInfo } from '../protocol/shapes.js'

export interface MessageDraft {
  channelId: string
  senderId: string
  content: string
  metadata?: Record<string, unknown> | undefined
  clientMsgId?: string | undefined
}

export interface StoredMessage {
  message: MessageInfo
  recipientId: string
  recipientRole: Role
  /** client_msg_id matched a message stored before: this is that message, not a new one. */
  duplicate: boolean
  /**
   * The seq of the previous message the same sender sent on this channel (0 if none): for the
   * recipient, the message that precedes this one.
   */
  previousSeq: number
}

export type Outcome = { stored: StoredMessage } | { error: Error }

/** A message as stored (snake_case columns, created_at as a Date). */
export interface MessageRow {
  id: string
  channel_id: string
  seq: number
  sender_id: string
  content: string
  metadata: string | null
  client_msg_id: string | null
  created_at: Date
}

/** A message as the message logs read it (messages never go through Prisma). */
export const toMessage = (row: MessageRow): MessageInfo => messageOf(row, row.created_at.toISOString())

/** A stored message with its timestamp as the JSON carries it. */
export function messageOf(row: Omit<MessageRow, 'created_at'>, timestamp: string): MessageInfo {
  const message: MessageInfo = {
    message_id: row.id,
    channel_id: row.channel_id,
    sender_id: row.sender_id,
    content: row.content,
    seq: row.seq,
    timestamp,
  }
  if (row.metadata !== null) message.metadata = JSON.parse(row.metadata) as Record<string, unknown>
  if (row.client_msg_id !== null) message.client_msg_id = row.client_msg_id
  return message
}

/** How far an agent has been sent a channel. */
export interface Cursor {
  channelId: string
  role: Role
  seq: number
}

/** A run of one channel's messages by seq. */
export interface Range {
  /** Exclusive bounds. */
  afterSeq?: number | undefined
  beforeSeq?: number | undefined
  limit: number
  /** Newest first (else oldest first). */
  descending?: boolean
  /** Leave out what this agent sent. */
  notFrom?: string
}

export interface MessageLog {
  /** Reads messages of a channel, in seq order (descending if asked). */
  range(channelId: string, range: Range): Promise<MessageRow[]>
  /** Stores a batch in one transaction; one outcome per draft, in order. */
  write(drafts: MessageDraft[]): Promise<Outcome[]>
  /** Moves delivery cursors forward (never back), all in one transaction. */
  saveCursors(cursors: Cursor[]): Promise<void>
  /**
   * One read on the driver itself, for the few queries on every connect (credentials, waiting
   * requests, inboxes) where the ORM's work would cost more than the query. Parameters are
   * $1, $2… in order of appearance; timestamps come back as Dates or ISO text. `prepared`: a
   * statement of fixed text on a hot path, prepared once per connection (SQLite's log prepares
   * every statement once anyway; Postgres would otherwise parse and plan it on every call).
   */
  read<T>(sql: string, params: unknown[], prepared?: boolean): Promise<T[]>
  /**
   * A prepared read whose rows come as arrays, in the order of the statement's columns: for the
   * hottest reads, which build objects of their own, the drivers' row objects (made a property at
   * a time) cost more than the query.
   */
  readTuples<T extends unknown[]>(sql: string, params: unknown[]): Promise<T[]>
  close(): Promise<void>
}

export const INSERT_COLUMNS = '(id, channel_id, seq, sender_id, content, metadata, client_msg_id, created_at)'

/** Where a flush moves each channel's two delivery cursors (0: that one stays), one entry per channel. */
export function cursorMoves(cursors: Cursor[]): { channelId: string; provider: number; consumer: number }[] {
  const moves = new Map<string, { channelId: string; provider: number; consumer: number }>()
  for (const { channelId, role, seq } of cursors) {
    const move = moves.get(channelId) ?? { channelId, provider: 0, consumer: 0 }
    move[role] = Math.max(move[role], seq)
    moves.set(channelId, move)
  }
  return [...moves.values()]
}

/**
 * A range read's FROM … LIMIT, its parameters numbered from $`first` in order of appearance
 * (channel, after, before, [sender left out], limit), as rangeParams gives them: the same
 * statement on PostgreSQL ($n) and SQLite (? in that order).
 */
export function rangeClause(range: Range, first = 1): string {
  const [channel, after, before, sender] = [first, first + 1, first + 2, first + 3]
  const notFrom = range.notFrom === undefined ? '' : ` AND sender_id <> $${sender}`
  return `FROM messages WHERE channel_id = $${channel} AND seq > $${after} AND seq < CAST($${before} AS BIGINT)${notFrom}
    ORDER BY seq ${range.descending === true ? 'DESC' : 'ASC'} LIMIT $${notFrom ? sender + 1 : sender}`
}

/** Every column of the messages in a range, the timestamp read as `createdAt` (driver-sql's utcColumn). */
export const rangeSql = (range: Range, createdAt: string): string =>
  `SELECT id, channel_id, seq, sender_id, content, metadata, client_msg_id, ${createdAt} ${rangeClause(range)}`

/** The parameters of a range read in order of appearance (rangeClause), unbounded sides filled in. */
export const rangeParams = (channelId: string, range: Range): unknown[] => [
  channelId,
  range.afterSeq ?? -1,
  range.beforeSeq ?? Number.MAX_SAFE_INTEGER,
  ...(range.notFrom === undefined ? [] : [range.notFrom]),
  range.limit,
]

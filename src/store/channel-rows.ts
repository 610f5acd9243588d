// Channel rows read on the driver, past the ORM: the columns (timestamps in UTC on either
// database), the row as the driver returns it, and the domain's channel made from it. The reads
// on every connect and on the chat request path go this way: Prisma's work per query costs more
// than the indexed read itself.
import type { Channel as PrismaChannel } from '../generated/sqlite/client.js'
import type { Channel, ChannelStatus } from '../domain/channel.js'
import type { Provider } from './database-url.js'
import { utcColumn } from './driver-sql.js'

/** A channel as stored: the domain's Channel, with where delivery on it stands. */
export type StoredChannel = Omit<PrismaChannel, 'status'> & Channel

/** A channel row as the driver returns it (SQLite gives timestamps as ISO text). */
export interface ChannelRow {
  id: string
  provider_id: string
  consumer_id: string
  service_id: string | null
  status: string
  request_message: string | null
  request_id: string | null
  created_at: Date | string
  ended_at: Date | string | null
  end_reason: string | null
  ended_by: string | null
  last_seq: number
  provider_delivered_seq: number
  consumer_delivered_seq: number
  provider_sent_seq: number
  consumer_sent_seq: number
}

/** Every column of a channel row, timestamps in UTC (Postgres keeps them without a zone). */
export function channelColumns(provider: Provider): string {
  const utc = (column: string) => utcColumn(provider, column)
  return `id, provider_id, consumer_id, service_id, status, request_message, request_id, ${utc('created_at')}, ${utc('ended_at')},
      end_reason, ended_by, last_seq, provider_delivered_seq, consumer_delivered_seq, provider_sent_seq, consumer_sent_seq`
}

export const fromRow = (row: ChannelRow): StoredChannel => ({
  id: row.id,
  providerId: row.provider_id,
  consumerId: row.consumer_id,
  serviceId: row.service_id,
  status: row.status as ChannelStatus,
  requestMessage: row.request_message,
  requestId: row.request_id,
  createdAt: new Date(row.created_at),
  endedAt: row.ended_at === null ? null : new Date(row.ended_at),
  endReason: row.end_reason,
  endedBy: row.ended_by,
  lastSeq: row.last_seq,
  providerDeliveredSeq: row.provider_delivered_seq,
  consumerDeliveredSeq: row.consumer_delivered_seq,
  providerSentSeq: row.provider_sent_seq,
  consumerSentSeq: row.consumer_sent_seq,
})

/**
 * The pair's channel for a service in one open status, read through the partial unique index
 * that holds at most one (migration one_open_channel_per_pair): a channel without a service is
 * keyed by ''. Parameters: provider, consumer, service key.
 */
export const openChannelSql = (columns: string, status: 'active' | 'pending'): string =>
  `SELECT ${columns} FROM channels WHERE provider_id = $1 AND consumer_id = $2 AND COALESCE(service_id, '') = $3 AND status = '${status}'`

/** The key of a service in the open-channel indexes. */
export const serviceKey = (serviceId: string | null): string => serviceId ?? ''

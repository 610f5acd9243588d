// Channels between a provider and a consumer: creation, lookups, guarded status transitions and
// listing. Rows come back as the domain's Channel; driver rows (the read on every connect, in
// inboxes.ts) become one with fromRow.
import type { Channel as PrismaChannel, Prisma } from '../generated/sqlite/client.js'
import type { Channel, ChannelStatus, Parties } from '../domain/channel.js'
import type { Provider } from './database-url.js'
import type { Db } from './database.js'
import { newChannelId } from './ids.js'
import type { MessageLog } from './message-log.js'
import { pageByKey, type Page } from './pagination.js'

export interface NewChannel {
  providerId: string
  consumerId: string
  serviceId: string | null
  status: ChannelStatus
  requestMessage?: string | null
  requestId?: string | null
}

export interface ChannelFilter {
  agentId?: string
  serviceId?: string
  status?: ChannelStatus
}

/** A channel as stored: the domain's Channel, with where delivery on it stands. */
export type StoredChannel = Omit<PrismaChannel, 'status'> & Channel

const PARTIES_CACHE = 10_000

/** The status column holds only the statuses this code writes. */
export const asChannel = (row: PrismaChannel): StoredChannel => ({ ...row, status: row.status as ChannelStatus })
const asChannelOrNull = (row: PrismaChannel | null): StoredChannel | null => row && asChannel(row)

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

/** Every column of a driver read, timestamps in UTC (Postgres keeps them without a zone). */
export function channelColumns(provider: Provider): string {
  const utc = (column: string) => (provider === 'sqlite' ? column : `${column} AT TIME ZONE 'UTC' AS ${column}`)
  return `id, provider_id, consumer_id, service_id, status, request_message, request_id, ${utc('created_at')}, ${utc('ended_at')},
    end_reason, ended_by, last_seq, provider_delivered_seq, consumer_delivered_seq, provider_sent_seq, consumer_sent_seq`
}

export class ChannelStore {
  private readonly parties = new Map<string, Parties>()

  constructor(
    private readonly db: Db,
    private readonly log: MessageLog,
  ) {}

  /** The channel's two agents (for access checks on hot paths), or null if it does not exist. */
  async partiesOf(channelId: string): Promise<Parties | null> {
    const cached = this.parties.get(channelId)
    if (cached) return cached
    const found = await this.db.channel.findUnique({
      where: { id: channelId },
      select: { id: true, providerId: true, consumerId: true },
    })
    if (!found) return null
    if (this.parties.size >= PARTIES_CACHE) this.parties.delete(this.parties.keys().next().value as string)
    this.parties.set(channelId, found)
    return found
  }

  async create(data: NewChannel): Promise<StoredChannel> {
    return asChannel(await this.db.channel.create({ data: { id: newChannelId(), ...data } }))
  }

  async get(channelId: string): Promise<StoredChannel | null> {
    return asChannelOrNull(await this.db.channel.findUnique({ where: { id: channelId } }))
  }

  /** The newest channel of the pair for the service (null: a direct channel) in one of the statuses. */
  async findFor(providerId: string, consumerId: string, serviceId: string | null, statuses: ChannelStatus[]): Promise<StoredChannel | null> {
    const where = { providerId, consumerId, serviceId, status: { in: statuses } }
    return asChannelOrNull(await this.db.channel.findFirst({ where, orderBy: { id: 'desc' } }))
  }

  /** The newest active channel between two agents, in either role and for any service. */
  async findActiveBetween(a: string, b: string): Promise<StoredChannel | null> {
    const row = await this.db.channel.findFirst({
      where: {
        status: 'active',
        OR: [
          { providerId: a, consumerId: b },
          { providerId: b, consumerId: a },
        ],
      },
      orderBy: { id: 'desc' },
    })
    return asChannelOrNull(row)
  }

  /** The newest pending request from the consumer to the provider. */
  async findPending(providerId: string, consumerId: string): Promise<StoredChannel | null> {
    const where = { providerId, consumerId, status: 'pending' }
    return asChannelOrNull(await this.db.channel.findFirst({ where, orderBy: { id: 'desc' } }))
  }

  /** The agent's newest channel for a service, active ones first. */
  async latestForService(agentId: string, serviceId: string): Promise<StoredChannel | null> {
    const mine = { serviceId, OR: [{ providerId: agentId }, { consumerId: agentId }] }
    return asChannelOrNull(
      (await this.db.channel.findFirst({ where: { ...mine, status: 'active' }, orderBy: { id: 'desc' } })) ??
        (await this.db.channel.findFirst({ where: mine, orderBy: { id: 'desc' } })),
    )
  }

  /**
   * Moves the channel to `to` only if it is still in one of `from`; returns the updated row, or
   * null when another writer moved it first.
   */
  async transition(
    channelId: string,
    from: ChannelStatus[],
    to: ChannelStatus,
    data: Omit<Prisma.ChannelUpdateManyMutationInput, 'status'> = {},
  ): Promise<StoredChannel | null> {
    const [row] = await this.db.channel.updateManyAndReturn({
      where: { id: channelId, status: { in: from } },
      data: { ...data, status: to },
    })
    return row ? asChannel(row) : null
  }

  /** How many channels there are in each status (for the metrics). */
  async countByStatus(): Promise<Map<string, number>> {
    const rows = await this.log.read<{ status: string; n: number | string }>('SELECT status, COUNT(*) AS n FROM channels GROUP BY status', [])
    return new Map(rows.map((row) => [row.status, Number(row.n)]))
  }

  /** How many chat requests the consumer has waiting for an answer. */
  countPending(consumerId: string): Promise<number> {
    return this.db.channel.count({ where: { consumerId, status: 'pending' } })
  }

  /** Up to `take` chat requests waiting since before `cutoff`, the oldest first. */
  async pendingSince(cutoff: Date, take: number): Promise<StoredChannel[]> {
    const rows = await this.db.channel.findMany({ where: { status: 'pending', createdAt: { lt: cutoff } }, orderBy: { createdAt: 'asc' }, take })
    return rows.map(asChannel)
  }

  async list(filter: ChannelFilter, limit: number, cursor?: string): Promise<Page<StoredChannel>> {
    const where: Prisma.ChannelWhereInput = {
      ...(cursor ? { id: { gt: cursor } } : {}),
      ...(filter.serviceId ? { serviceId: filter.serviceId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.agentId ? { OR: [{ providerId: filter.agentId }, { consumerId: filter.agentId }] } : {}),
    }
    const page = await pageByKey(limit, (take) => this.db.channel.findMany({ where, orderBy: { id: 'asc' }, take }))
    return { ...page, items: page.items.map(asChannel) }
  }
}

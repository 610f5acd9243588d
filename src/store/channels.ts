// Channels between a provider and a consumer: creation, lookups, guarded status transitions,
// listing, and the per-agent delivery cursors that drive store-and-forward.
import type { Channel, Prisma } from '../generated/sqlite/client.js'
import type { ChannelStatusValue } from '../protocol/shapes.js'
import type { Provider } from './database-url.js'
import type { Db } from './database.js'
import { newChannelId } from './ids.js'
import { pageByKey, type Page } from './pagination.js'
import type { MessageLog } from './message-log.js'

export interface NewChannel {
  providerId: string
  consumerId: string
  serviceId: string | null
  status: ChannelStatusValue
  requestMessage?: string | null
  requestId?: string | null
}

export interface ChannelFilter {
  agentId?: string
  serviceId?: string
  status?: ChannelStatusValue
}

export type Role = 'provider' | 'consumer'

/** Where delivery to one agent stands on one of its channels. */
export interface Inbox {
  agentId: string
  channelId: string
  role: Role
  /** The agent's delivery cursor: the last seq the hub sent it. */
  deliveredSeq: number
  /** The seq of the last message the other party sent. */
  inboundSeq: number
  status: ChannelStatusValue
}

/** Who a channel is between: set at creation and never changed, so safe to cache. */
export type Parties = Pick<Channel, 'id' | 'providerId' | 'consumerId'>

const PARTIES_CACHE = 10_000
/** Agents per inbox query: it names each twice, within the 999 parameters Prisma allows on SQLite. */
const INBOX_CHUNK = 400
const INBOX_COLUMNS = 'id, status, provider_id, consumer_id, provider_delivered_seq, consumer_delivered_seq, provider_sent_seq, consumer_sent_seq'

/** A channel row as the driver returns it (SQLite gives timestamps as ISO text). */
interface ChannelRow {
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

const fromRow = (row: ChannelRow): Channel => ({
  id: row.id,
  providerId: row.provider_id,
  consumerId: row.consumer_id,
  serviceId: row.service_id,
  status: row.status,
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

export class ChannelStore {
  private readonly parties = new Map<string, Parties>()
  /** Every column, timestamps in UTC (Postgres keeps them without a zone). */
  private readonly columns: string

  constructor(
    private readonly db: Db,
    private readonly log: MessageLog,
    provider: Provider,
  ) {
    const utc = (column: string) => (provider === 'sqlite' ? column : `${column} AT TIME ZONE 'UTC' AS ${column}`)
    this.columns = `id, provider_id, consumer_id, service_id, status, request_message, request_id, ${utc('created_at')}, ${utc('ended_at')},
      end_reason, ended_by, last_seq, provider_delivered_seq, consumer_delivered_seq, provider_sent_seq, consumer_sent_seq`
  }

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

  create(data: NewChannel): Promise<Channel> {
    return this.db.channel.create({ data: { id: newChannelId(), ...data } })
  }

  get(channelId: string): Promise<Channel | null> {
    return this.db.channel.findUnique({ where: { id: channelId } })
  }

  /** The newest channel of the pair for the service (null: a direct channel) in one of the statuses. */
  findFor(providerId: string, consumerId: string, serviceId: string | null, statuses: ChannelStatusValue[]) {
    return this.db.channel.findFirst({
      where: { providerId, consumerId, serviceId, status: { in: statuses } },
      orderBy: { id: 'desc' },
    })
  }

  /** The newest active channel between two agents, in either role and for any service. */
  findActiveBetween(a: string, b: string): Promise<Channel | null> {
    return this.db.channel.findFirst({
      where: {
        status: 'active',
        OR: [
          { providerId: a, consumerId: b },
          { providerId: b, consumerId: a },
        ],
      },
      orderBy: { id: 'desc' },
    })
  }

  /** The newest pending request from the consumer to the provider. */
  findPending(providerId: string, consumerId: string): Promise<Channel | null> {
    return this.db.channel.findFirst({ where: { providerId, consumerId, status: 'pending' }, orderBy: { id: 'desc' } })
  }

  /** The agent's newest channel for a service, active ones first. */
  async latestForService(agentId: string, serviceId: string): Promise<Channel | null> {
    const mine = { serviceId, OR: [{ providerId: agentId }, { consumerId: agentId }] }
    return (
      (await this.db.channel.findFirst({ where: { ...mine, status: 'active' }, orderBy: { id: 'desc' } })) ??
      (await this.db.channel.findFirst({ where: mine, orderBy: { id: 'desc' } }))
    )
  }

  /**
   * Moves the channel to `to` only if it is still in one of `from`; returns the updated row, or
   * null when another writer moved it first.
   */
  async transition(
    channelId: string,
    from: ChannelStatusValue[],
    to: ChannelStatusValue,
    data: Omit<Prisma.ChannelUpdateManyMutationInput, 'status'> = {},
  ): Promise<Channel | null> {
    const [row] = await this.db.channel.updateManyAndReturn({
      where: { id: channelId, status: { in: from } },
      data: { ...data, status: to },
    })
    return row ?? null
  }

  /** How many chat requests the consumer has waiting for an answer. */
  countPending(consumerId: string): Promise<number> {
    return this.db.channel.count({ where: { consumerId, status: 'pending' } })
  }

  /** The chat requests waiting for the provider (on the driver: this read is on every connect). */
  async pendingFor(providerId: string): Promise<Channel[]> {
    const rows = await this.log.read<ChannelRow>(
      `SELECT ${this.columns} FROM channels WHERE provider_id = $1 AND status = 'pending' ORDER BY id ASC`,
      [providerId],
    )
    return rows.map(fromRow)
  }

  list(filter: ChannelFilter, limit: number, cursor?: string): Promise<Page<Channel>> {
    const where: Prisma.ChannelWhereInput = {
      ...(cursor ? { id: { gt: cursor } } : {}),
      ...(filter.serviceId ? { serviceId: filter.serviceId } : {}),
      ...(filter.status ? { status: filter.status } : {}),
      ...(filter.agentId ? { OR: [{ providerId: filter.agentId }, { consumerId: filter.agentId }] } : {}),
    }
    return pageByKey(limit, (take) => this.db.channel.findMany({ where, orderBy: { id: 'asc' }, take }))
  }

  /**
   * Per agent, its channels that are active or hold messages it has not been sent: where
   * delivery stands. On the driver: this read is on every connect.
   */
  async inboxes(agentIds: string[]): Promise<Inbox[]> {
    const unique = [...new Set(agentIds)]
    const inboxes: Inbox[] = []
    for (let i = 0; i < unique.length; i += INBOX_CHUNK) {
      const ids = unique.slice(i, i + INBOX_CHUNK)
      const chunk = new Set(ids)
      const providers = ids.map((_, n) => `$${n + 1}`).join(', ')
      const consumers = ids.map((_, n) => `$${ids.length + n + 1}`).join(', ')
      const rows = await this.log.read<ChannelRow>(
        `SELECT ${INBOX_COLUMNS} FROM channels
          WHERE (provider_id IN (${providers}) AND (status = 'active' OR consumer_sent_seq > provider_delivered_seq))
             OR (consumer_id IN (${consumers}) AND (status = 'active' OR provider_sent_seq > consumer_delivered_seq))
          ORDER BY id ASC`,
        [...ids, ...ids],
      )
      for (const row of rows) {
        // Each agent is in one chunk only, so each (channel, role) is listed once.
        const sides = [
          { role: 'provider', agentId: row.provider_id, deliveredSeq: row.provider_delivered_seq, inboundSeq: row.consumer_sent_seq },
          { role: 'consumer', agentId: row.consumer_id, deliveredSeq: row.consumer_delivered_seq, inboundSeq: row.provider_sent_seq },
        ] as const
        for (const side of sides) {
          if (chunk.has(side.agentId) && (row.status === 'active' || side.inboundSeq > side.deliveredSeq)) {
            inboxes.push({ ...side, channelId: row.id, status: row.status as ChannelStatusValue })
          }
        }
      }
    }
    // Each chunk comes in channel order; merged, provider before consumer within a channel.
    return inboxes.sort((a, b) => compare(a.channelId, b.channelId) || compare(b.role, a.role))
  }

  /** These channels (those that exist), and the chat requests waiting for these providers; by id, each once. */
  async statesOf(channelIds: string[], providerIds: string[]): Promise<Channel[]> {
    const found = new Map<string, Channel>()
    for (let i = 0; i < Math.max(channelIds.length, providerIds.length); i += INBOX_CHUNK) {
      const ids = channelIds.slice(i, i + INBOX_CHUNK)
      const providers = providerIds.slice(i, i + INBOX_CHUNK)
      const rows = await this.db.channel.findMany({
        where: { OR: [{ id: { in: ids } }, { providerId: { in: providers }, status: 'pending' }] },
      })
      for (const row of rows) found.set(row.id, row)
    }
    return [...found.values()].sort((a, b) => compare(a.id, b.id))
  }

  /** Which of these channels the agent belongs to, and in which role (others are left out). */
  async memberships(agentId: string, channelIds: string[]): Promise<{ channelId: string; role: Role }[]> {
    if (channelIds.length === 0) return []
    const rows = await this.db.channel.findMany({
      where: { id: { in: channelIds }, OR: [{ providerId: agentId }, { consumerId: agentId }] },
      select: { id: true, providerId: true },
      orderBy: { id: 'asc' },
    })
    return rows.map((row) => ({ channelId: row.id, role: row.providerId === agentId ? 'provider' : 'consumer' }))
  }
}

/** Plain code-point order: on ids (ch_ and a ULID) it agrees with the databases' ORDER BY id. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

// Channels between a provider and a consumer: creation, lookups, guarded status transitions and
// listing. Rows come back as the domain's Channel. The database holds at most one active channel
// and one pending request per pair and service, whatever the hub instances do; the reads on the
// chat request path go to the driver, past the ORM (channel-rows.ts), as the read on every connect
// does (inboxes.ts).
import type { Channel as PrismaChannel, Prisma } from '../generated/sqlite/client.js'
import type { ChannelStatus, Parties } from '../domain/channel.js'
import { channelColumns, fromRow, openChannelSql, serviceKey, type ChannelRow, type StoredChannel } from './channel-rows.js'
import type { Provider } from './database-url.js'
import type { Db } from './database.js'
import { newChannelId } from './ids.js'
import type { MessageLog } from './message-log.js'
import { pageByKey, type Page } from './pagination.js'
import { isUniqueViolation } from './prisma-errors.js'

export type { ChannelRow, StoredChannel } from './channel-rows.js'

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

const PARTIES_CACHE = 10_000
/** Tries at opening a channel whose pair the database already holds one for, in case that one closed meanwhile. */
const OPEN_ATTEMPTS = 3

/** The status column holds only the statuses this code writes. */
export const asChannel = (row: PrismaChannel): StoredChannel => ({ ...row, status: row.status as ChannelStatus })
const asChannelOrNull = (row: PrismaChannel | null): StoredChannel | null => row && asChannel(row)
const firstOrNull = (rows: ChannelRow[]): StoredChannel | null => (rows[0] ? fromRow(rows[0]) : null)

export class ChannelStore {
  private readonly parties = new Map<string, Parties>()
  private readonly columns: string

  constructor(
    private readonly db: Db,
    private readonly log: MessageLog,
    provider: Provider,
  ) {
    this.columns = channelColumns(provider)
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

  async create(data: NewChannel): Promise<StoredChannel> {
    return asChannel(await this.db.channel.create({ data: { id: newChannelId(), ...data } }))
  }

  /**
   * Creates an active channel or a pending request, or returns the pair's one for the service
   * when the database holds it already (another instance opened it meanwhile).
   */
  async createOpen(data: NewChannel & { status: 'active' | 'pending' }): Promise<{ channel: StoredChannel; created: boolean }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return { channel: await this.create(data), created: true }
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
        const existing = await this.findFor(data.providerId, data.consumerId, data.serviceId, data.status)
        if (existing) return { channel: existing, created: false }
        if (attempt === OPEN_ATTEMPTS) throw error
      }
    }
  }

  async get(channelId: string): Promise<StoredChannel | null> {
    return asChannelOrNull(await this.db.channel.findUnique({ where: { id: channelId } }))
  }

  /** The pair's channel for the service (null: a direct channel) in an open status: there is at most one. */
  async findFor(providerId: string, consumerId: string, serviceId: string | null, status: 'active' | 'pending'): Promise<StoredChannel | null> {
    return firstOrNull(await this.log.read<ChannelRow>(openChannelSql(this.columns, status), [providerId, consumerId, serviceKey(serviceId)]))
  }

  /** The newest active channel between two agents, in either role and for any service. */
  async findActiveBetween(a: string, b: string): Promise<StoredChannel | null> {
    const active = `SELECT ${this.columns} FROM channels WHERE provider_id = $1 AND consumer_id = $2 AND status = 'active'`
    const sql = `${active} UNION ALL ${active.replace('$1', '$3').replace('$2', '$4')} ORDER BY id DESC LIMIT 1`
    return firstOrNull(await this.log.read<ChannelRow>(sql, [a, b, b, a]))
  }

  /** The newest pending request from the consumer to the provider. */
  async findPending(providerId: string, consumerId: string): Promise<StoredChannel | null> {
    const sql = `SELECT ${this.columns} FROM channels WHERE provider_id = $1 AND consumer_id = $2 AND status = 'pending' ORDER BY id DESC LIMIT 1`
    return firstOrNull(await this.log.read<ChannelRow>(sql, [providerId, consumerId]))
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
  async countPending(consumerId: string): Promise<number> {
    const [row] = await this.log.read<{ n: number | string }>(`SELECT COUNT(*) AS n FROM channels WHERE consumer_id = $1 AND status = 'pending'`, [consumerId])
    return Number(row?.n ?? 0)
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

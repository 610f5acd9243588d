// Where delivery stands, read for the agents connected to this instance: per agent, its channels
// that are active or hold messages it has not been sent; at a connect, those and the chat
// requests waiting for it, in one read on the driver, shared by the agents connecting meanwhile;
// the current state of channels its connections follow; and its role in the channels a resuming
// client names.
import { roleOf, type Channel, type ChannelStatus, type Role } from '../domain/channel.js'
import { ReadBatch } from '../lib/read-batch.js'
import { channelColumns, fromRow, type ChannelRow, type StoredChannel } from './channel-rows.js'
import { placeholders } from './driver-sql.js'
import { asChannel } from './channels.js'
import type { Provider } from './database-url.js'
import type { Db } from './database.js'
import type { MessageLog } from './message-log.js'

/** Where delivery to one agent stands on one of its channels. */
export interface Inbox {
  agentId: string
  channelId: string
  role: Role
  /** The agent's delivery cursor: the last seq the hub sent it. */
  deliveredSeq: number
  /** The seq of the last message the other party sent. */
  inboundSeq: number
  status: ChannelStatus
}

/** Agents per inbox query: it names each twice, within the 999 parameters Prisma allows on SQLite. */
const INBOX_CHUNK = 400
const INBOX_COLUMNS = 'id, status, provider_id, consumer_id, provider_delivered_seq, consumer_delivered_seq, provider_sent_seq, consumer_sent_seq'

/** What a connecting agent is owed: the chat requests waiting for it (as provider), and its inboxes. */
export interface Owed {
  requests: StoredChannel[]
  inboxes: Inbox[]
}

export class InboxStore {
  private readonly columns: string
  /** rowsSql's texts, by agent count (negative: without the requests); at most 2 × INBOX_CHUNK. */
  private readonly rowsSqls = new Map<number, string>()
  private readonly owed = new ReadBatch<string, Owed>(
    (agentIds) => this.owedToAll(agentIds),
    () => ({ requests: [], inboxes: [] }),
  )

  constructor(
    private readonly db: Db,
    private readonly log: MessageLog,
    provider: Provider,
  ) {
    this.columns = channelColumns(provider)
  }

  /** At an agent's connect: the requests waiting for it and its inboxes, in channel order (read on every connect). */
  owedTo(agentId: string): Promise<Owed> {
    return this.owed.get(agentId)
  }

  /** Per agent, its channels that are active or hold messages it has not been sent. */
  async of(agentIds: string[]): Promise<Inbox[]> {
    const inboxes: Inbox[] = []
    for await (const { rows, chunk } of this.rowsOf(agentIds, false)) {
      // Each agent is in one chunk only, so each (channel, role) is listed once.
      for (const row of rows) inboxes.push(...inboxesIn(row, chunk))
    }
    // Each chunk comes in channel order; merged, provider before consumer within a channel.
    return inboxes.sort((a, b) => compare(a.channelId, b.channelId) || compare(b.role, a.role))
  }

  private async owedToAll(agentIds: string[]): Promise<Map<string, Owed>> {
    const owed = new Map<string, Owed>(agentIds.map((agentId) => [agentId, { requests: [], inboxes: [] }]))
    for await (const { rows, chunk } of this.rowsOf(agentIds, true)) {
      for (const row of rows) {
        if (row.status === 'pending' && chunk.has(row.provider_id)) owed.get(row.provider_id)?.requests.push(fromRow(row))
        for (const inbox of inboxesIn(row, chunk)) owed.get(inbox.agentId)?.inboxes.push(inbox)
      }
    }
    return owed
  }

  /** The rows of these agents' inboxes (with the requests waiting for them, and every column, if asked), a chunk of agents at a time, in channel order. */
  private async *rowsOf(agentIds: string[], requests: boolean): AsyncGenerator<{ rows: ChannelRow[]; chunk: Set<string> }> {
    const unique = [...new Set(agentIds)]
    for (let i = 0; i < unique.length; i += INBOX_CHUNK) {
      const ids = unique.slice(i, i + INBOX_CHUNK)
      const rows = await this.log.read<ChannelRow>(this.rowsSql(ids.length, requests), [...ids, ...ids])
      yield { rows, chunk: new Set(ids) }
    }
  }

  /** The text of rowsOf's read for `count` agents, built once per count: a connect storm asks for the same few. */
  private rowsSql(count: number, requests: boolean): string {
    const key = requests ? count : -count
    let sql = this.rowsSqls.get(key)
    if (sql === undefined) {
      sql = `SELECT ${requests ? this.columns : INBOX_COLUMNS} FROM channels
          WHERE (provider_id IN (${placeholders(count)}) AND (status IN (${requests ? "'pending', " : ''}'active') OR consumer_sent_seq > provider_delivered_seq))
             OR (consumer_id IN (${placeholders(count, count + 1)}) AND (status = 'active' OR provider_sent_seq > consumer_delivered_seq))
          ORDER BY id ASC`
      this.rowsSqls.set(key, sql)
    }
    return sql
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
      for (const row of rows) found.set(row.id, asChannel(row))
    }
    return [...found.values()].sort((a, b) => compare(a.id, b.id))
  }

  /** Which of these channels the agent belongs to, and in which role (others are left out); in chunks, so any number. */
  async memberships(agentId: string, channelIds: string[]): Promise<{ channelId: string; role: Role }[]> {
    const found: { channelId: string; role: Role }[] = []
    const unique = [...new Set(channelIds)].sort(compare)
    for (let i = 0; i < unique.length; i += INBOX_CHUNK) {
      const rows = await this.db.channel.findMany({
        where: { id: { in: unique.slice(i, i + INBOX_CHUNK) }, OR: [{ providerId: agentId }, { consumerId: agentId }] },
        select: { id: true, providerId: true, consumerId: true },
        orderBy: { id: 'asc' },
      })
      for (const row of rows) found.push({ channelId: row.id, role: roleOf(row, agentId) as Role })
    }
    return found
  }
}

/** The inboxes a channel row holds for these agents: provider first, then consumer. */
function inboxesIn(row: Omit<ChannelRow, 'created_at' | 'ended_at'>, agents: Set<string>): Inbox[] {
  const sides = [
    { role: 'provider', agentId: row.provider_id, deliveredSeq: row.provider_delivered_seq, inboundSeq: row.consumer_sent_seq },
    { role: 'consumer', agentId: row.consumer_id, deliveredSeq: row.consumer_delivered_seq, inboundSeq: row.provider_sent_seq },
  ] as const
  return sides
    .filter((side) => agents.has(side.agentId) && (row.status === 'active' || side.inboundSeq > side.deliveredSeq))
    .map((side) => ({ ...side, channelId: row.id, status: row.status as ChannelStatus }))
}

/** Plain code-point order: on ids (ch_ and a ULID) it agrees with the databases' ORDER BY id. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

// Where delivery stands, read for the agents connected to this instance: per agent, its channels
// that are active or hold messages it has not been sent; the current state of channels its
// connections follow; and its role in the channels a resuming client names.
import type { Prisma } from '../generated/sqlite/client.js'
import { roleOf, type Channel, type ChannelStatus, type Role } from '../domain/channel.js'
import { asChannel } from './channels.js'
import type { Db } from './database.js'

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
const INBOX_COLUMNS = {
  id: true,
  status: true,
  providerId: true,
  consumerId: true,
  providerDeliveredSeq: true,
  consumerDeliveredSeq: true,
  providerSentSeq: true,
  consumerSentSeq: true,
} satisfies Prisma.ChannelSelect

export class InboxStore {
  constructor(private readonly db: Db) {}

  /** Per agent, its channels that are active or hold messages it has not been sent. */
  async of(agentIds: string[]): Promise<Inbox[]> {
    const fields = this.db.channel.fields
    const unique = [...new Set(agentIds)]
    const inboxes: Inbox[] = []
    for (let i = 0; i < unique.length; i += INBOX_CHUNK) {
      const chunk = new Set(unique.slice(i, i + INBOX_CHUNK))
      const rows = await this.db.channel.findMany({
        where: {
          OR: [
            { providerId: { in: [...chunk] }, OR: [{ status: 'active' }, { consumerSentSeq: { gt: fields.providerDeliveredSeq } }] },
            { consumerId: { in: [...chunk] }, OR: [{ status: 'active' }, { providerSentSeq: { gt: fields.consumerDeliveredSeq } }] },
          ],
        },
        select: INBOX_COLUMNS,
        orderBy: { id: 'asc' },
      })
      for (const row of rows) {
        // Each agent is in one chunk only, so each (channel, role) is listed once.
        const sides = [
          { role: 'provider', agentId: row.providerId, deliveredSeq: row.providerDeliveredSeq, inboundSeq: row.consumerSentSeq },
          { role: 'consumer', agentId: row.consumerId, deliveredSeq: row.consumerDeliveredSeq, inboundSeq: row.providerSentSeq },
        ] as const
        for (const side of sides) {
          if (chunk.has(side.agentId) && (row.status === 'active' || side.inboundSeq > side.deliveredSeq)) {
            inboxes.push({ ...side, channelId: row.id, status: row.status as ChannelStatus })
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
      for (const row of rows) found.set(row.id, asChannel(row))
    }
    return [...found.values()].sort((a, b) => compare(a.id, b.id))
  }

  /** Which of these channels the agent belongs to, and in which role (others are left out). */
  async memberships(agentId: string, channelIds: string[]): Promise<{ channelId: string; role: Role }[]> {
    if (channelIds.length === 0) return []
    const rows = await this.db.channel.findMany({
      where: { id: { in: channelIds }, OR: [{ providerId: agentId }, { consumerId: agentId }] },
      select: { id: true, providerId: true, consumerId: true },
      orderBy: { id: 'asc' },
    })
    return rows.map((row) => ({ channelId: row.id, role: roleOf(row, agentId) as Role }))
  }
}

/** Plain code-point order: on ids (ch_ and a ULID) it agrees with the databases' ORDER BY id. */
const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

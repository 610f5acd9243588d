// A channel between a provider and a consumer, in the hub's own words: its statuses and their
// order, the two roles, who belongs to it, and the keys its opening is serialised on. One
// membership rule for every door (REST, /ws, the store's group commit). Imports nothing of the app.

export const CHANNEL_STATUSES = ['pending', 'active', 'rejected', 'ended'] as const
/** pending → active | rejected; active → ended. */
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number]

/** How far along its life cycle each status is. */
export const STATUS_RANK: Record<ChannelStatus, number> = { pending: 0, active: 1, rejected: 2, ended: 2 }

/** A status only moves forward: is `status` news to someone who knew `known` (or nothing)? */
export const movesOn = (known: ChannelStatus | undefined, status: ChannelStatus): boolean =>
  known === undefined || STATUS_RANK[status] > STATUS_RANK[known]

/** Pending or active: the channel can still change, so those told of it follow it. */
export const isOpen = (status: ChannelStatus): boolean => STATUS_RANK[status] < STATUS_RANK.ended

export type Role = 'provider' | 'consumer'

/** Who a channel is between: set at creation and never changed. */
export interface Parties {
  id: string
  providerId: string
  consumerId: string
}

/** A channel as the hub keeps it. */
export interface Channel extends Parties {
  serviceId: string | null
  status: ChannelStatus
  requestMessage: string | null
  /** The request_id (as JSON) of the consumer's chat_request: the answers carry it. */
  requestId: string | null
  createdAt: Date
  endedAt: Date | null
  endReason: string | null
  /** The agent that ended or rejected the channel, or "admin". */
  endedBy: string | null
  lastSeq: number
}

/** The agent's role in the channel, or undefined if it does not belong to it. */
export function roleOf(channel: Omit<Parties, 'id'>, agentId: string): Role | undefined {
  if (agentId === channel.providerId) return 'provider'
  if (agentId === channel.consumerId) return 'consumer'
  return undefined
}

export const isMember = (channel: Omit<Parties, 'id'>, agentId: string): boolean => roleOf(channel, agentId) !== undefined

// A pair of agents has at most one active channel per service, so all that may open one holds
// the pair's key; a consumer's key makes "count its pending requests, then add one" one step.

/** The same key whichever of the two agents asks. */
export const pairKey = (a: string, b: string): string => (a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`)

/** One consumer's requests (pair keys always hold two ids, so never start with \0). */
export const consumerKey = (consumerId: string): string => `\u0000${consumerId}`

// Who is acting on the hub: an agent (over /ws or REST, as its credentials say) or the operator,
// and what that means for a channel.
import { isMember, type Parties } from './channel.js'

export type Actor = { kind: 'agent'; agentId: string } | { kind: 'admin' }

export const asAgent = (agentId: string): Actor => ({ kind: 'agent', agentId })
export const ADMIN: Actor = { kind: 'admin' }

/** The acting agent's id; the operator acts as "admin". */
export const actorName = (actor: Actor): string => (actor.kind === 'agent' ? actor.agentId : 'admin')

/** The operator may act on every channel; an agent only on its own. */
export const mayAct = (actor: Actor, channel: Omit<Parties, 'id'>): boolean =>
  actor.kind === 'admin' || isMember(channel, actor.agentId)

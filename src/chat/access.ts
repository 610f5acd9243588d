// Who may do what to a channel. Every /ws handler and REST route goes through these checks.
import type { Channel } from '../generated/sqlite/client.js'
import type { Parties } from '../store/channels.js'
import { Errors } from '../errors.js'
import type { Actor } from './notifier.js'

export function isMember(actor: Actor, channel: Parties): boolean {
  return actor.kind === 'admin' || actor.agentId === channel.providerId || actor.agentId === channel.consumerId
}

/** The channel, if the actor may see it; a channel it may not see is reported as forbidden. */
export function assertMember<C extends Parties>(actor: Actor, channel: C | null, channelId: string): C {
  if (!channel) throw new Errors.ChannelNotFound(channelId)
  if (!isMember(actor, channel)) throw new Errors.Forbidden(`Not a member of channel ${channelId}`)
  return channel
}

export function assertProvider(actor: Actor, channel: Channel): void {
  if (actor.kind === 'agent' && actor.agentId !== channel.providerId) {
    throw new Errors.Forbidden(`Only the provider ${channel.providerId} can answer this request`)
  }
}

/** The acting agent's id; the operator acts as "admin". */
export const actorName = (actor: Actor): string => (actor.kind === 'agent' ? actor.agentId : 'admin')

/**
 * The agent a request acts as. An agent acts as itself: naming another id is forbidden. The
 * operator acts for the agent it names.
 */
export function actingAgent(actor: Actor, claimed: string | undefined, field: string): string {
  if (actor.kind === 'agent') {
    if (claimed !== undefined && claimed !== actor.agentId) {
      throw new Errors.Forbidden(`${field} comes from your credentials: you are ${actor.agentId}`)
    }
    return actor.agentId
  }
  if (claimed === undefined) throw new Errors.BadRequest(`${field} is required when the operator acts for an agent`)
  return claimed
}

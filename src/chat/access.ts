// Who may do what to a channel. Every /ws handler and REST route goes through these checks,
// which turn the domain's membership rule into the hub's named errors.
import { mayAct, type Actor } from '../domain/actor.js'
import type { Channel, Parties } from '../domain/channel.js'
import { Errors } from '../errors.js'

/** The channel, if the actor may see it; a channel it may not see is reported as forbidden. */
export function assertMember<C extends Parties>(actor: Actor, channel: C | null, channelId: string): C {
  if (!channel) throw new Errors.ChannelNotFound(channelId)
  if (!mayAct(actor, channel)) throw new Errors.Forbidden(`Not a member of channel ${channelId}`)
  return channel
}

export function assertProvider(actor: Actor, channel: Channel): void {
  if (actor.kind === 'agent' && actor.agentId !== channel.providerId) {
    throw new Errors.Forbidden(`Only the provider ${channel.providerId} can answer this request`)
  }
}

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

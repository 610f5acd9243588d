// Sending and reading messages. A message to target_agent opens (or reuses) the active channel
// of the pair and service; every message is written through the group-commit writer.
import type { Actor } from '../domain/actor.js'
import { pairKey, type Channel, type Parties } from '../domain/channel.js'
import { Errors } from '../errors.js'
import type { Locks } from '../lib/keyed-lock.js'
import type { HistoryPageInfo } from '../protocol/shapes.js'
import type { MessageDraft, Store, StoredMessage } from '../store/index.js'
import type { HistoryQuery } from '../store/messages.js'
import { assertMember } from './access.js'

export interface OutgoingMessage {
  channel_id?: string | undefined
  target_agent?: string | undefined
  service_id?: string | undefined
  content: string
  metadata?: Record<string, unknown> | undefined
  client_msg_id?: string | undefined
}

export interface HistoryRequest extends HistoryQuery {
  channel_id?: string | undefined
  service_id?: string | undefined
}

const draftOf = (senderId: string, channelId: string, input: OutgoingMessage): MessageDraft => ({
  channelId,
  senderId,
  content: input.content,
  metadata: input.metadata,
  clientMsgId: input.client_msg_id,
})

export class Messaging {
  constructor(
    private readonly store: Store,
    private readonly locks: Locks,
  ) {}

  /** Stores a message and resolves once it is durable: resolve the channel, then submit. */
  async send(senderId: string, input: OutgoingMessage): Promise<StoredMessage> {
    return this.submit(senderId, await this.channelFor(senderId, input), input)
  }

  /**
   * The channel a message goes on: its channel_id, at once, or the pair's channel for
   * target_agent, once looked up. Throws for a message that names neither.
   */
  channelFor(senderId: string, input: OutgoingMessage): string | Promise<string> {
    if (input.channel_id !== undefined) return input.channel_id
    if (input.target_agent === undefined) throw new Errors.BadRequest('chat_message needs channel_id or target_agent')
    return this.channelTo(senderId, input.target_agent, input.service_id).then((channel) => channel.id)
  }

  /**
   * Queues the message for the next group commit and returns at once; the promise settles at
   * commit. `onStored` runs synchronously at commit, before the batch is delivered.
   */
  submit(
    senderId: string,
    channelId: string,
    input: OutgoingMessage,
    onStored?: (stored: StoredMessage) => void,
  ): Promise<StoredMessage> {
    return this.store.writer.submit(draftOf(senderId, channelId, input), onStored)
  }

  /** As submit, heard of through callbacks alone: `onStored` at commit, or `onRefused`. */
  enqueue(senderId: string, channelId: string, input: OutgoingMessage, onStored: (stored: StoredMessage) => void, onRefused: (error: Error) => void): void {
    this.store.writer.enqueue(draftOf(senderId, channelId, input), onStored, onRefused)
  }

  async history(actor: Actor, request: HistoryRequest): Promise<HistoryPageInfo> {
    let channel: Parties | null
    if (request.channel_id !== undefined) {
      channel = assertMember(actor, await this.store.channels.partiesOf(request.channel_id), request.channel_id)
    } else if (request.service_id !== undefined && actor.kind === 'agent') {
      channel = await this.store.channels.latestForService(actor.agentId, request.service_id)
      if (!channel) throw new Errors.NotFound(`${actor.agentId} has no channel for service ${request.service_id}`)
    } else {
      throw new Errors.BadRequest('chat_history needs channel_id or service_id')
    }
    // Read-your-writes: a message sent just before the history request is in it.
    await this.store.writer.drain()
    return this.store.messages.page(channel.id, request)
  }

  /**
   * The active channel the sender's message to `target` goes on. With a service: the pair's
   * channel for it (the service's provider is the provider). Without: the pair's newest active
   * channel, or a new direct channel in which the target provides and the sender consumes.
   */
  private channelTo(senderId: string, targetId: string, serviceId: string | undefined): Promise<Channel> {
    if (senderId === targetId) throw new Errors.BadRequest('An agent cannot message itself')
    return this.locks.run(pairKey(senderId, targetId), async () => {
      let providerId = targetId
      let consumerId = senderId
      if (serviceId !== undefined) {
        const service = await this.store.services.get(serviceId)
        if (!service) throw new Errors.ServiceNotFound(serviceId)
        if (service.providerId === senderId) [providerId, consumerId] = [senderId, targetId]
        else if (service.providerId !== targetId) {
          throw new Errors.BadRequest(`Neither ${senderId} nor ${targetId} provides service ${serviceId}`)
        }
        const active = await this.store.channels.findFor(providerId, consumerId, serviceId, 'active')
        if (active) return active
      } else {
        const active = await this.store.channels.findActiveBetween(senderId, targetId)
        if (active) return active
      }
      await this.store.agents.ensure([targetId])
      // No chat_accept here: both sides learn the channel from the ack and the message itself.
      // Opened meanwhile on another instance: the database holds one, which is the one to use.
      return (await this.store.channels.createOpen({ providerId, consumerId, serviceId: serviceId ?? null, status: 'active' })).channel
    })
  }
}

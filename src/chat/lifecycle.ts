// The channel life cycle: pending → active | rejected, active → ended. Every transition is a
// guarded update, so two agents racing (accept vs. reject, end twice) cannot both win.
import type { Broker } from '../broker/broker.js'
import { actorName, type Actor } from '../domain/actor.js'
import { consumerKey, pairKey, type Channel } from '../domain/channel.js'
import { Errors } from '../errors.js'
import { inTurn } from '../lib/turns.js'
import { acceptFrame, endFrame, rejectFrame, requestFrame, requestIdOf } from '../protocol/builders.js'
import { originReply, type Origin, type Reply } from '../protocol/replies.js'
import type { Store } from '../store/index.js'
import { onUniqueViolation } from '../store/prisma-errors.js'
import { assertMember, assertProvider } from './access.js'

/** What the chat layer needs of the broker: reaching agents, and locks across every instance. */
export type ChatBroker = Pick<Broker, 'publishFrame' | 'locks'>

export interface RequestTarget {
  channel_id?: string | undefined
  consumer_id?: string | undefined
}

export interface RequestLimits {
  /** Chat requests one consumer may have waiting for an answer. */
  maxPendingRequests: number
  /** Called when a request is refused for passing maxPendingRequests. */
  onPendingLimit?: () => void
}

export class ChannelLifecycle {
  constructor(
    private readonly store: Store,
    private readonly broker: ChatBroker,
    private readonly limits: RequestLimits,
  ) {}

  /**
   * A consumer asks for a service; the provider receives chat_request (now, or when it connects).
   * Asking again re-sends the pending request; a new one is refused while the consumer has
   * maxPendingRequests unanswered.
   */
  async request(consumerId: string, serviceId: string, message: string | undefined, origin?: Origin): Promise<Channel> {
    const service = await this.store.services.get(serviceId)
    if (!service) throw new Errors.ServiceNotFound(serviceId)
    const providerId = service.providerId
    if (providerId === consumerId) throw new Errors.BadRequest(`${consumerId} provides ${serviceId} itself`)
    const requestId = origin?.requestId === undefined ? null : JSON.stringify(origin.requestId)
    // The consumer's lock (always taken before a pair's) makes count-then-create one step.
    return this.broker.locks.run(consumerKey(consumerId), () =>
      this.broker.locks.run(pairKey(providerId, consumerId), async () => {
        const active = await this.store.channels.findFor(providerId, consumerId, serviceId, 'active')
        if (active) {
          this.broker.publishFrame([], acceptFrame(active), originReply(origin))
          return active
        }
        let pending = await this.store.channels.findFor(providerId, consumerId, serviceId, 'pending')
        if (!pending) {
          await this.assertMayRequest(consumerId)
          const request = { providerId, consumerId, serviceId, status: 'pending' as const, requestMessage: message ?? null, requestId }
          pending = (await this.store.channels.createOpen(request)).channel
        }
        // Asked again (here, or on another instance meanwhile): the answer goes to this request.
        const channel =
          pending.requestId === (requestId ?? null) ? pending : ((await this.store.channels.transition(pending.id, ['pending'], 'pending', { requestId })) ?? pending)
        this.broker.publishFrame([providerId], requestFrame(channel))
        return channel
      }),
    )
  }

  async accept(actor: Actor, target: RequestTarget, origin?: Origin): Promise<Channel> {
    const channel = await this.pendingRequest(actor, target)
    const updated = await this.store.channels
      .transition(channel.id, ['pending'], 'active')
      .catch(onUniqueViolation(() => this.answerWithActive(channel, origin)))
    if (!updated) throw await this.notPending(channel.id)
    if (updated.id !== channel.id) return updated
    this.broker.publishFrame([updated.providerId, updated.consumerId], acceptFrame(updated), this.replies(updated, origin))
    return updated
  }

  async reject(actor: Actor, target: RequestTarget, reason: string | undefined, origin?: Origin): Promise<Channel> {
    const channel = await this.pendingRequest(actor, target)
    const updated = await this.store.channels.transition(channel.id, ['pending'], 'rejected', {
      endedAt: new Date(),
      endReason: reason ?? null,
      endedBy: actorName(actor),
    })
    if (!updated) throw await this.notPending(channel.id)
    this.broker.publishFrame([updated.providerId, updated.consumerId], rejectFrame(updated), this.replies(updated, origin))
    return updated
  }

  async end(actor: Actor, channelId: string, reason: string | undefined, origin?: Origin): Promise<Channel> {
    const channel = assertMember(actor, await this.store.channels.get(channelId), channelId)
    if (channel.status !== 'active') throw new Errors.ChannelNotActive(channelId, channel.status)
    // Messages sent before the end are stored before it.
    await this.store.writer.drain()
    const updated = await this.store.channels.transition(channelId, ['active'], 'ended', {
      endedAt: new Date(),
      endReason: reason ?? null,
      endedBy: actorName(actor),
    })
    if (!updated) {
      const now = await this.store.channels.get(channelId)
      throw new Errors.ChannelNotActive(channelId, now?.status ?? 'gone')
    }
    this.broker.publishFrame([updated.providerId, updated.consumerId], endFrame(updated), originReply(origin))
    return updated
  }

  /**
   * Rejects, with reason "expired", up to `take` chat requests that have waited since before
   * `cutoff`; both sides are told, the consumer on its chat_request. Returns how many expired.
   */
  async expire(cutoff: Date, take: number): Promise<number> {
    let expired = 0
    // Each request is a unit of the loop's turns (lib/turns.ts): a sweep of many would otherwise
    // run its statements (synchronous on SQLite) back to back, holding every socket meanwhile.
    for (const channel of await inTurn(() => this.store.channels.pendingSince(cutoff, take))) {
      const done = await inTurn(async () => {
        const data = { endedAt: new Date(), endReason: 'expired', endedBy: 'hub' }
        const updated = await this.store.channels.transition(channel.id, ['pending'], 'rejected', data)
        if (!updated) return false
        this.broker.publishFrame([updated.providerId, updated.consumerId], rejectFrame(updated), this.replies(updated, undefined))
        return true
      })
      if (done) expired++
    }
    return expired
  }

  /** Opens (or returns) the active channel of a pair for a service, as the operator does over REST. */
  async open(providerId: string, consumerId: string, serviceId: string | null): Promise<{ channel: Channel; created: boolean }> {
    if (providerId === consumerId) throw new Errors.BadRequest('provider_id and consumer_id must differ')
    if (serviceId !== null) {
      const service = await this.store.services.get(serviceId)
      if (!service) throw new Errors.ServiceNotFound(serviceId)
      if (service.providerId !== providerId) {
        throw new Errors.BadRequest(`Service ${serviceId} is provided by ${service.providerId}, not ${providerId}`)
      }
    }
    return this.broker.locks.run(pairKey(providerId, consumerId), async () => {
      const active = await this.store.channels.findFor(providerId, consumerId, serviceId, 'active')
      if (active) return { channel: active, created: false }
      await this.store.agents.ensure([providerId, consumerId])
      const opened = await this.store.channels.createOpen({ providerId, consumerId, serviceId, status: 'active' })
      if (opened.created) this.broker.publishFrame([providerId, consumerId], acceptFrame(opened.channel))
      return opened
    })
  }

  private async pendingRequest(actor: Actor, target: RequestTarget): Promise<Channel> {
    let channel: Channel | null
    if (target.channel_id !== undefined) {
      channel = assertMember(actor, await this.store.channels.get(target.channel_id), target.channel_id)
    } else if (target.consumer_id !== undefined && actor.kind === 'agent') {
      channel = await this.store.channels.findPending(actor.agentId, target.consumer_id)
      if (!channel) {
        throw new Errors.RequestNotFound(`No pending request from ${target.consumer_id} to ${actor.agentId}`)
      }
    } else {
      throw new Errors.BadRequest('Name the request by channel_id or consumer_id')
    }
    assertProvider(actor, channel)
    if (channel.status !== 'pending') throw new Errors.ChannelNotPending(channel.id, channel.status)
    return channel
  }

  /**
   * The pair has an active channel for the service already (opened meanwhile by a message or the
   * operator, maybe on another instance): the request is answered with it, and retired.
   */
  private async answerWithActive(pending: Channel, origin: Origin | undefined): Promise<Channel | null> {
    const active = await this.store.channels.findFor(pending.providerId, pending.consumerId, pending.serviceId, 'active')
    // Ended just now: the request can become the pair's channel after all.
    // (Should another have become active meanwhile, the request is no longer pending: null.)
    if (!active) return this.store.channels.transition(pending.id, ['pending'], 'active').catch(onUniqueViolation(() => null))
    const retire = { endedAt: new Date(), endReason: 'duplicate', endedBy: 'hub', requestId: null }
    const retired = await this.store.channels.transition(pending.id, ['pending'], 'rejected', retire)
    if (!retired) return null
    // Both sides learn the pair's channel first, then that the request it replaces is retired.
    this.broker.publishFrame([active.providerId, active.consumerId], acceptFrame(active), this.replies(pending, origin))
    this.broker.publishFrame([retired.providerId, retired.consumerId], rejectFrame(retired))
    return active
  }

  private async assertMayRequest(consumerId: string): Promise<void> {
    const { maxPendingRequests } = this.limits
    if ((await this.store.channels.countPending(consumerId)) < maxPendingRequests) return
    this.limits.onPendingLimit?.()
    throw new Errors.TooManyPending(consumerId, maxPendingRequests)
  }

  private async notPending(channelId: string): Promise<Error> {
    const now = await this.store.channels.get(channelId)
    return new Errors.ChannelNotPending(channelId, now?.status ?? 'gone')
  }

  /** The provider's reply on its connection, and the consumer's on its pending chat_request. */
  private replies(channel: Channel, origin: Origin | undefined): Reply[] {
    const replies = originReply(origin)
    const requestId = requestIdOf(channel)
    if (requestId !== undefined) replies.push({ agentId: channel.consumerId, requestId })
    return replies
  }
}

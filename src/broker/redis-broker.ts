// Several hub instances as one, on Redis pub/sub. Each instance subscribes to the channel of
// every agent connected to it (<prefix>agent:<id>) and publishes each frame to its recipients'
// channels, so a frame reaches exactly the instances that hold the agent; presence and locks
// live in Redis too. What happens while Redis is away (the database carries the traffic) is
// redis-link.ts's.
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { CloseCode } from '../protocol/close-codes.js'
import type { HubFrame, RequestIdValue } from '../protocol/frames.js'
import type { Reply } from '../protocol/replies.js'
import type { StoredMessage } from '../store/index.js'
import { NO_AGENTS, type Broker, type BrokerHandler, type CredentialsListener } from './broker.js'
import { RedisLink } from './redis-link.js'
import { RedisLocks } from './redis-locks.js'
import { instancesKey, Presence } from './redis-presence.js'
import { ClusterSlots } from './redis-slots.js'

/** What one instance tells the others. */
type Envelope =
  | { from: string; kind: 'messages'; batch: StoredMessage[] }
  | { from: string; kind: 'frame'; agentId: string; frame: HubFrame; requestId?: RequestIdValue }
  | { from: string; kind: 'close'; agentId: string; code: CloseCode; reason: string }
  /** On the broadcast channel: every instance forgets what it kept of the agent's credentials. */
  | { from: string; kind: 'credentials'; agentId: string }
  /** Events may have been lost: every instance catches its agents up from the database. */
  | { from: string; kind: 'catch-up' }

export interface RedisBrokerOptions {
  url: string
  /** Prefix of every Redis key and channel, so that several hubs can share one Redis. */
  prefix: string
  presenceTtlMs: number
  log: FastifyBaseLogger
  onStateChange?: (up: boolean) => void
  /** A connection slot was counted on this instance alone, Redis being unreachable. */
  onUnsharedSlot?: (limit: string) => void
}

export class RedisBroker implements Broker {
  readonly instanceId = randomUUID()
  readonly locks: RedisLocks
  private handler: BrokerHandler = NO_AGENTS
  private readonly presence: Presence
  private readonly counters = new Map<string, ClusterSlots>()
  private readonly link: RedisLink
  private readonly credentialListeners: CredentialsListener[] = []
  /** The channel every instance subscribes to. */
  private readonly broadcast: string

  constructor(private readonly options: RedisBrokerOptions) {
    const { prefix, log } = options
    this.broadcast = `${prefix}cluster`
    this.link = new RedisLink({
      url: options.url,
      instanceId: this.instanceId,
      broadcast: this.broadcast,
      catchUpMessage: JSON.stringify({ from: this.instanceId, kind: 'catch-up' } satisfies Envelope),
      beatMs: Math.max(100, options.presenceTtlMs / 3),
      log,
      channels: () => this.handler.agents().map((id) => this.channelOf(id)),
      receive: (message) => this.receive(message),
      catchUp: () => this.handler.catchUp(),
      beat: async () => {
        await Promise.all([this.presence.beat(), ...[...this.counters.values()].map((counter) => counter.beat())])
      },
      onStateChange: (up) => {
        // Going down or coming back, changes published meanwhile may not have reached this instance.
        this.credentialsMissed()
        options.onStateChange?.(up)
      },
    })
    const { commands } = this.link.redis
    this.presence = new Presence(commands, {
      prefix,
      instanceId: this.instanceId,
      ttlMs: options.presenceTtlMs,
      local: () => new Map(this.handler.agents().map((id) => [id, this.handler.connectionsOf(id)])),
    })
    this.locks = new RedisLocks(commands, prefix, (error) =>
      log.debug({ err: error }, 'Redis lock unavailable: serialising on this instance only'),
    )
  }

  slots(limit: string): ClusterSlots {
    let counter = this.counters.get(limit)
    if (!counter) {
      const { prefix, presenceTtlMs, log, onUnsharedSlot } = this.options
      counter = new ClusterSlots(this.link.redis.commands, {
        limit,
        prefix,
        instanceId: this.instanceId,
        instancesKey: instancesKey(prefix),
        ttlMs: presenceTtlMs,
        log,
        onUnshared: () => onUnsharedSlot?.(limit),
      })
      this.counters.set(limit, counter)
    }
    return counter
  }

  start(handler: BrokerHandler): Promise<void> {
    this.handler = handler
    return this.link.start()
  }

  readiness(): { redis?: 'up' | 'down' } {
    return { redis: this.link.up ? 'up' : 'down' }
  }

  async present(agentId: string, connections: number, arrived: boolean): Promise<void> {
    const channel = this.channelOf(agentId)
    void this.presence.set(agentId, connections).catch(() => undefined)
    // Not connected: the link subscribes every agent when Redis is back; polling covers meanwhile.
    const { subscriber } = this.link.redis
    if (subscriber.status !== 'ready') return
    if (connections === 0) return void subscriber.unsubscribe(channel).catch(() => undefined)
    // Unconfirmed, the Redis connection is made again: that subscribes everyone and catches up.
    if (arrived) await this.link.redis.subscribe(channel)
  }

  /** Connection counts of the agents across the cluster; this instance's alone while Redis is down. */
  async connections(agentIds: string[]): Promise<Map<string, number>> {
    try {
      return await this.presence.connections(agentIds)
    } catch {
      return new Map(agentIds.map((id) => [id, this.handler.connectionsOf(id)]))
    }
  }

  publishMessages(batch: StoredMessage[]): void {
    this.handler.messages(batch)
    const byRecipient = new Map<string, StoredMessage[]>()
    for (const stored of batch) {
      const list = byRecipient.get(stored.recipientId) ?? []
      list.push(stored)
      byRecipient.set(stored.recipientId, list)
    }
    for (const [recipientId, messages] of byRecipient) this.publish(recipientId, { from: this.instanceId, kind: 'messages', batch: messages })
  }

  publishFrame(agentIds: string[], frame: HubFrame, replies: Reply[] = []): void {
    this.handler.frame(agentIds, frame, replies)
    // A reply to one connection stays here: the request came in on it.
    const requestIds = new Map<string, RequestIdValue>()
    for (const reply of replies) if ('agentId' in reply) requestIds.set(reply.agentId, reply.requestId)
    for (const agentId of new Set([...agentIds, ...requestIds.keys()])) {
      const requestId = requestIds.get(agentId)
      this.publish(agentId, { from: this.instanceId, kind: 'frame', agentId, frame, ...(requestId === undefined ? {} : { requestId }) })
    }
  }

  publishClose(agentId: string, code: CloseCode, reason: string): void {
    this.handler.close(agentId, code, reason)
    // The database cannot replay this one: it waits for Redis.
    this.publish(agentId, { from: this.instanceId, kind: 'close', agentId, code, reason }, true)
  }

  publishCredentialsChanged(agentId: string): void {
    for (const listener of this.credentialListeners) listener(agentId)
    this.link.publish(this.broadcast, JSON.stringify({ from: this.instanceId, kind: 'credentials', agentId } satisfies Envelope), true)
  }

  onCredentialsChanged(listener: CredentialsListener): void {
    this.credentialListeners.push(listener)
  }

  /** Leaves the cluster: presence and slots removed, connections closed. */
  close(): Promise<void> {
    return this.link.close(async () => {
      await Promise.all([this.presence.leave(), ...[...this.counters.values()].map((counter) => counter.leave())])
    })
  }

  private credentialsMissed(): void {
    for (const listener of this.credentialListeners) listener(undefined)
  }

  private channelOf(agentId: string): string {
    return `${this.options.prefix}agent:${agentId}`
  }

  private publish(agentId: string, envelope: Envelope, queue = false): void {
    this.link.publish(this.channelOf(agentId), JSON.stringify(envelope), queue)
  }

  private receive(raw: string): void {
    let envelope: Envelope
    try {
      envelope = JSON.parse(raw) as Envelope
    } catch (error) {
      return this.options.log.warn({ err: error }, 'unreadable cluster event ignored')
    }
    if (envelope.from === this.instanceId) return
    switch (envelope.kind) {
      case 'messages':
        return this.handler.messages(envelope.batch)
      case 'frame':
        return envelope.requestId === undefined
          ? this.handler.frame([envelope.agentId], envelope.frame, [])
          : this.handler.frame([], envelope.frame, [{ agentId: envelope.agentId, requestId: envelope.requestId }])
      case 'close':
        return this.handler.close(envelope.agentId, envelope.code, envelope.reason)
      case 'credentials':
        for (const listener of this.credentialListeners) listener(envelope.agentId)
        return
      case 'catch-up':
        return void this.link.catchUp()
    }
  }
}

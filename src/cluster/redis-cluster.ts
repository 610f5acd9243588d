// Several hub instances as one, on Redis pub/sub. Each instance subscribes to the channel of
// every agent connected to it (<prefix>agent:<id>) and publishes each frame to its recipients'
// channels, so a frame reaches exactly the instances that hold the agent. The database stays the
// source of truth: pub/sub keeps nothing it could not deliver, so whenever events may have been
// lost — this instance's subscription was down, or another instance could not publish — the
// agents connected here are caught up from the database, and while Redis is unreachable the
// instance polls the database instead: every message, and every change of a channel's status,
// still arrives, a second later at most.
import { randomUUID } from 'node:crypto'
import type { FastifyBaseLogger } from 'fastify'
import type { RequestIdValue } from '../protocol/frame.js'
import type { Peers, Router } from '../hub/router.js'
import type { CloseCode } from '../protocol/close-codes.js'
import type { HubFrame } from '../protocol/frames.js'
import type { StoredMessage } from '../store/index.js'
import { within } from '../lib/within.js'
import { RedisConnections, redact } from './connections.js'
import { DatabaseFallback, FALLBACK_POLL_MS } from './fallback.js'
import { RedisLocks } from './locks.js'
import { Presence } from './presence.js'

/** How long start-up waits for Redis before running on the database alone. */
const CONNECT_WAIT_MS = 3000

/** What one instance tells the others. */
type Envelope =
  | { from: string; kind: 'messages'; batch: StoredMessage[] }
  | { from: string; kind: 'frame'; agentId: string; frame: HubFrame; requestId?: RequestIdValue }
  | { from: string; kind: 'close'; agentId: string; code: CloseCode; reason: string }
  /** Events may have been lost: every instance catches its agents up from the database. */
  | { from: string; kind: 'catch-up' }

export interface ClusterOptions {
  url: string
  /** Prefix of every Redis key and channel, so that several hubs can share one Redis. */
  prefix: string
  presenceTtlMs: number
  router: Router
  /** Delivers from the database whatever the agents connected here lack. */
  catchUp: () => Promise<void>
  log: FastifyBaseLogger
  onStateChange?: (up: boolean) => void
}

export class RedisCluster implements Peers {
  readonly instanceId = randomUUID()
  readonly locks: RedisLocks
  private readonly presence: Presence
  private readonly redis: RedisConnections
  private readonly broadcast: string
  /** True while the subscriptions stand: events from other instances arrive. */
  private subscribed = false
  /** An event could not be published: the others must catch up once Redis is back. */
  private unpublished = false
  private readonly fallback: DatabaseFallback
  private readonly heartbeat: NodeJS.Timeout
  private closing = false
  /** Settles when the subscriptions first stand. */
  private readonly joined: Promise<void>
  private markJoined: () => void = () => undefined

  constructor(private readonly options: ClusterOptions) {
    const { url, prefix, log } = options
    this.redis = new RedisConnections(url, this.instanceId, log)
    const { publisher, subscriber, commands } = this.redis
    this.broadcast = `${prefix}cluster`
    this.joined = new Promise((resolve) => (this.markJoined = resolve))
    this.fallback = new DatabaseFallback(options.catchUp, log)
    this.presence = new Presence(commands, {
      prefix,
      instanceId: this.instanceId,
      ttlMs: options.presenceTtlMs,
      local: () => new Map(options.router.agents().map((id) => [id, options.router.connectionsOf(id)])),
    })
    this.locks = new RedisLocks(commands, prefix, (error) =>
      log.debug({ err: error }, 'Redis lock unavailable: serialising on this instance only'),
    )
    subscriber.on('message', (_channel: string, message: string) => this.receive(message))
    subscriber.on('ready', () => void this.subscribeAll())
    subscriber.on('close', () => this.lost())
    publisher.on('ready', () => {
      this.options.onStateChange?.(this.up)
      this.announceCatchUp()
    })
    publisher.on('close', () => this.options.onStateChange?.(false))
    commands.on('ready', () => void this.beat())
    this.heartbeat = setInterval(() => {
      void this.beat()
      this.redis.probe()
    }, Math.max(100, options.presenceTtlMs / 3)).unref()
  }

  /** Waits (briefly) for Redis; without it the instance starts on the database-backed path. */
  async start(): Promise<void> {
    await within(CONNECT_WAIT_MS, this.joined)
    if (!this.subscribed) {
      this.options.log.error(
        { redis: redact(this.options.url) },
        `Redis is unreachable: agents on other instances are reached through the database (polled every ${FALLBACK_POLL_MS} ms) until it answers`,
      )
      this.fallback.startPolling()
    }
  }

  /** Is Redis serving this instance (subscriptions and publishing)? */
  get up(): boolean {
    return this.subscribed && this.redis.publisher.status === 'ready'
  }

  async present(agentId: string, connections: number, arrived: boolean): Promise<void> {
    const channel = this.channelOf(agentId)
    void this.presence.set(agentId, connections).catch(() => undefined)
    // Not connected: subscribeAll() takes every agent when Redis is back; polling covers meanwhile.
    const { subscriber } = this.redis
    if (subscriber.status !== 'ready') return
    if (connections === 0) return void subscriber.unsubscribe(channel).catch(() => undefined)
    // Unconfirmed, the Redis connection is made again: that subscribes everyone and catches up.
    if (arrived) await this.redis.subscribe(channel)
  }

  /** Connection counts of the agents across the cluster; this instance's alone while Redis is down. */
  async connections(agentIds: string[]): Promise<Map<string, number>> {
    try {
      return await this.presence.connections(agentIds)
    } catch {
      return new Map(agentIds.map((id) => [id, this.options.router.connectionsOf(id)]))
    }
  }

  publishMessages(batch: StoredMessage[]): void {
    const byRecipient = new Map<string, StoredMessage[]>()
    for (const stored of batch) {
      const list = byRecipient.get(stored.recipientId) ?? []
      list.push(stored)
      byRecipient.set(stored.recipientId, list)
    }
    for (const [recipientId, messages] of byRecipient) {
      this.publish(this.channelOf(recipientId), { from: this.instanceId, kind: 'messages', batch: messages })
    }
  }

  publishFrame(agentIds: string[], frame: HubFrame, requestIds: Map<string, RequestIdValue>): void {
    for (const agentId of agentIds) {
      const requestId = requestIds.get(agentId)
      this.publish(this.channelOf(agentId), {
        from: this.instanceId,
        kind: 'frame',
        agentId,
        frame,
        ...(requestId === undefined ? {} : { requestId }),
      })
    }
  }

  publishClose(agentId: string, code: CloseCode, reason: string): void {
    // The database cannot replay this one: it waits for Redis.
    this.publish(this.channelOf(agentId), { from: this.instanceId, kind: 'close', agentId, code, reason }, true)
  }

  /** Leaves the cluster: presence removed, connections closed. */
  async close(): Promise<void> {
    this.closing = true
    clearInterval(this.heartbeat)
    this.fallback.stopPolling()
    await this.presence.leave().catch(() => undefined)
    await this.redis.quit()
  }

  private channelOf(agentId: string): string {
    return `${this.options.prefix}agent:${agentId}`
  }

  /**
   * Publishes, or — while Redis is away — leaves it to the database: what was stored (messages,
   * channel status) reaches the other instances when they catch up, which they are asked to do
   * once this instance can publish again. `queue`: wait for Redis instead.
   */
  private publish(channel: string, envelope: Envelope, queue = false): void {
    if (!queue && this.redis.publisher.status !== 'ready') {
      this.unpublished = true
      return
    }
    this.redis.publisher.publish(channel, JSON.stringify(envelope)).catch((error: unknown) => {
      this.unpublished = true
      this.options.log.warn({ err: error }, 'Redis publish failed')
    })
  }

  private receive(raw: string): void {
    let envelope: Envelope
    try {
      envelope = JSON.parse(raw) as Envelope
    } catch (error) {
      return this.options.log.warn({ err: error }, 'unreadable cluster event ignored')
    }
    if (envelope.from === this.instanceId) return
    const { router } = this.options
    switch (envelope.kind) {
      case 'messages':
        return router.deliverHere(envelope.batch)
      case 'frame':
        return envelope.requestId === undefined
          ? router.notifyHere([envelope.agentId], envelope.frame)
          : router.notifyHere([], envelope.frame, [{ agentId: envelope.agentId, requestId: envelope.requestId }])
      case 'close':
        return router.disconnectHere(envelope.agentId, envelope.code, envelope.reason)
      case 'catch-up':
        return void this.fallback.run()
    }
  }

  /** (Re)subscribes to every local agent's channel, then catches up what the gap may have dropped. */
  private async subscribeAll(): Promise<void> {
    try {
      await this.redis.subscriber.subscribe(this.broadcast, ...this.options.router.agents().map((id) => this.channelOf(id)))
    } catch (error) {
      return this.options.log.warn({ err: error }, 'Redis subscriptions not restored; retrying on reconnect')
    }
    const recovered = this.fallback.polling
    this.subscribed = true
    this.markJoined()
    this.fallback.stopPolling()
    this.options.onStateChange?.(this.up)
    if (recovered) this.options.log.warn('Redis is reachable again: cross-instance delivery is back on pub/sub')
    else this.options.log.info({ instance_id: this.instanceId }, 'joined the cluster on Redis')
    // Whatever was published while this instance was not subscribed is in the database.
    await this.fallback.run()
  }

  private lost(): void {
    if (this.closing || !this.subscribed) return
    this.subscribed = false
    this.options.onStateChange?.(false)
    this.options.log.error(
      `Redis connection lost: agents on other instances are reached through the database (polled every ${FALLBACK_POLL_MS} ms) until it is back`,
    )
    this.fallback.startPolling()
  }

  /** Publishing resumed after batches went unpublished: every instance catches up from the database. */
  private announceCatchUp(): void {
    if (!this.unpublished) return
    this.unpublished = false
    this.publish(this.broadcast, { from: this.instanceId, kind: 'catch-up' }, true)
  }

  private async beat(): Promise<void> {
    if (this.closing || this.redis.commands.status !== 'ready') return
    await this.presence.beat().catch((error: unknown) => this.options.log.debug({ err: error }, 'presence heartbeat failed'))
  }

}

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
import { Redis, type RedisOptions } from 'ioredis'
import type { RequestIdValue } from '../chat/notifier.js'
import type { Peers, Router } from '../hub/router.js'
import type { CloseCode } from '../protocol/close-codes.js'
import type { HubFrame } from '../protocol/frames.js'
import type { StoredMessage } from '../store/index.js'
import { RedisLocks } from './locks.js'
import { Presence } from './presence.js'

/** While Redis is unreachable, how often the agents here are caught up from the database. */
export const FALLBACK_POLL_MS = 1000
/** How long start-up waits for Redis before running on the database alone. */
const CONNECT_WAIT_MS = 3000
/** Commands that must not wait for Redis (presence, locks) fail after this long. */
const COMMAND_TIMEOUT_MS = 1000

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
  /** Events out. Only a key's revocation queues while Redis is away; the rest is caught up from the database. */
  private readonly publisher: Redis
  private readonly subscriber: Redis
  /** Presence and locks: these fail fast instead of waiting for Redis. */
  private readonly commands: Redis
  private readonly broadcast: string
  /** Agents connected here, whose channels this instance subscribes to. */
  private readonly agents = new Map<string, number>()
  /** True while the subscriptions stand: events from other instances arrive. */
  private subscribed = false
  /** An event could not be published: the others must catch up once Redis is back. */
  private unpublished = false
  private poll: NodeJS.Timeout | undefined
  private readonly heartbeat: NodeJS.Timeout
  private closing = false
  /** Settles when the subscriptions first stand. */
  private readonly joined: Promise<void>
  private markJoined: () => void = () => undefined

  constructor(private readonly options: ClusterOptions) {
    const { url, prefix, log } = options
    const common: RedisOptions = {
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
      connectionName: `claw-chat-hub:${this.instanceId}`,
    }
    this.publisher = new Redis(url, { ...common, enableAutoPipelining: true })
    this.subscriber = new Redis(url, { ...common, autoResubscribe: false })
    this.commands = new Redis(url, { ...common, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS })
    this.broadcast = `${prefix}cluster`
    this.joined = new Promise((resolve) => (this.markJoined = resolve))
    this.presence = new Presence(this.commands, {
      prefix,
      instanceId: this.instanceId,
      ttlMs: options.presenceTtlMs,
      local: () => new Map(this.agents),
    })
    this.locks = new RedisLocks(this.commands, prefix, (error) =>
      log.debug({ err: error }, 'Redis lock unavailable: serialising on this instance only'),
    )
    for (const redis of [this.publisher, this.subscriber, this.commands]) {
      // Reconnection is automatic; the state changes below are what an operator needs to see.
      redis.on('error', (error: Error) => log.debug({ err: error }, 'Redis connection error'))
    }
    this.subscriber.on('message', (_channel: string, message: string) => this.receive(message))
    this.subscriber.on('ready', () => void this.subscribeAll())
    this.subscriber.on('close', () => this.lost())
    this.publisher.on('ready', () => {
      this.options.onStateChange?.(this.up)
      this.announceCatchUp()
    })
    this.publisher.on('close', () => this.options.onStateChange?.(false))
    this.commands.on('ready', () => void this.beat())
    this.heartbeat = setInterval(() => void this.beat(), Math.max(100, options.presenceTtlMs / 3)).unref()
  }

  /** Waits (briefly) for Redis; without it the instance starts on the database-backed path. */
  async start(): Promise<void> {
    await within(CONNECT_WAIT_MS, this.joined)
    if (!this.subscribed) {
      this.options.log.error(
        { redis: redact(this.options.url) },
        `Redis is unreachable: agents on other instances are reached through the database (polled every ${FALLBACK_POLL_MS} ms) until it answers`,
      )
      this.startPolling()
    }
  }

  /** Is Redis serving this instance (subscriptions and publishing)? */
  get up(): boolean {
    return this.subscribed && this.publisher.status === 'ready'
  }

  async present(agentId: string, connections: number): Promise<void> {
    const channel = this.channelOf(agentId)
    const joining = connections > 0 && !this.agents.has(agentId)
    if (connections > 0) this.agents.set(agentId, connections)
    else this.agents.delete(agentId)
    void this.presence.set(agentId, connections).catch(() => undefined)
    if (!this.subscribed) return // subscribeAll() takes every agent when Redis is back; polling covers meanwhile
    try {
      // Bounded: should Redis drop right now, the subscription waits for it, and polling covers.
      if (joining) await within(COMMAND_TIMEOUT_MS, this.subscriber.subscribe(channel))
      else if (connections === 0) await this.subscriber.unsubscribe(channel)
    } catch (error) {
      this.options.log.warn({ err: error, agent_id: agentId }, 'Redis subscription change failed')
    }
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
    this.stopPolling()
    await this.presence.leave().catch(() => undefined)
    await Promise.all(
      [this.publisher, this.subscriber, this.commands].map((redis) =>
        redis.quit().catch(() => redis.disconnect()),
      ),
    )
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
    if (!queue && this.publisher.status !== 'ready') {
      this.unpublished = true
      return
    }
    this.publisher.publish(channel, JSON.stringify(envelope)).catch((error: unknown) => {
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
        return void this.catchUp()
    }
  }

  /** (Re)subscribes to every local agent's channel, then catches up what the gap may have dropped. */
  private async subscribeAll(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.broadcast, ...[...this.agents.keys()].map((id) => this.channelOf(id)))
    } catch (error) {
      return this.options.log.warn({ err: error }, 'Redis subscriptions not restored; retrying on reconnect')
    }
    const recovered = this.poll !== undefined
    this.subscribed = true
    this.markJoined()
    this.stopPolling()
    this.options.onStateChange?.(this.up)
    if (recovered) this.options.log.warn('Redis is reachable again: cross-instance delivery is back on pub/sub')
    else this.options.log.info({ instance_id: this.instanceId }, 'joined the cluster on Redis')
    // Whatever was published while this instance was not subscribed is in the database.
    await this.catchUp()
  }

  private lost(): void {
    if (this.closing || !this.subscribed) return
    this.subscribed = false
    this.options.onStateChange?.(false)
    this.options.log.error(
      `Redis connection lost: agents on other instances are reached through the database (polled every ${FALLBACK_POLL_MS} ms) until it is back`,
    )
    this.startPolling()
  }

  /** Publishing resumed after batches went unpublished: every instance catches up from the database. */
  private announceCatchUp(): void {
    if (!this.unpublished) return
    this.unpublished = false
    this.publish(this.broadcast, { from: this.instanceId, kind: 'catch-up' }, true)
  }

  private async beat(): Promise<void> {
    if (this.closing || this.commands.status !== 'ready') return
    await this.presence.beat().catch((error: unknown) => this.options.log.debug({ err: error }, 'presence heartbeat failed'))
  }

  private startPolling(): void {
    this.poll ??= setInterval(() => void this.catchUp(), FALLBACK_POLL_MS).unref()
  }

  private stopPolling(): void {
    clearInterval(this.poll)
    this.poll = undefined
  }

  private async catchUp(): Promise<void> {
    try {
      await this.options.catchUp()
    } catch (error) {
      this.options.log.error({ err: error }, 'catching up from the database failed')
    }
  }
}

/** Waits for the promise, or `ms`, whichever comes first. */
async function within(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([promise, new Promise((resolve) => (timer = setTimeout(resolve, ms)))])
  clearTimeout(timer)
}

/** The URL without its password, for logs. */
function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'an invalid URL'
  }
}

// One instance's link to the others on Redis, and what it does when that link is down. The
// database stays the source of truth: pub/sub keeps nothing it could not deliver, so whenever
// publications may have been lost — this instance's subscriptions were down, or another instance
// could not publish — the agents connected here are caught up from the database, and while
// Redis is unreachable the instance polls the database instead: every message, and every change
// of a channel's status, still arrives, a second later at most.
import type { FastifyBaseLogger } from 'fastify'
import { within } from '../lib/within.js'
import { DatabaseFallback, FALLBACK_POLL_MS } from './database-fallback.js'
import { RedisConnections, redact } from './redis-connections.js'

/** How long start-up waits for Redis before running on the database alone. */
const CONNECT_WAIT_MS = 3000

export interface RedisLinkOptions {
  url: string
  instanceId: string
  /** The channel every instance listens on. */
  broadcast: string
  /** What asks every other instance to catch up (sent on the broadcast channel). */
  catchUpMessage: string
  /** How often to beat (presence) and probe the connections. */
  beatMs: number
  log: FastifyBaseLogger
  /** The channels to (re)subscribe to besides the broadcast: the local agents'. */
  channels(): string[]
  /** A message from another instance (or this one: the broker tells them apart). */
  receive(message: string): void
  /** Delivers from the database what the agents connected here lack. */
  catchUp(): Promise<void>
  /** Runs every beat while the commands connection is up (presence). */
  beat(): Promise<void>
  onStateChange?: ((up: boolean) => void) | undefined
}

export class RedisLink {
  readonly redis: RedisConnections
  /** True while the subscriptions stand: events from other instances arrive. */
  private subscribed = false
  /** A message could not be published: the others must catch up once Redis is back. */
  private unpublished = false
  private readonly fallback: DatabaseFallback
  private readonly heartbeat: NodeJS.Timeout
  private closing = false
  /** Settles when the subscriptions first stand. */
  private readonly joined: Promise<void>
  private markJoined: () => void = () => undefined

  constructor(private readonly options: RedisLinkOptions) {
    this.redis = new RedisConnections(options.url, options.instanceId, options.log)
    const { publisher, subscriber, commands } = this.redis
    this.joined = new Promise((resolve) => (this.markJoined = resolve))
    this.fallback = new DatabaseFallback(() => options.catchUp(), options.log)
    subscriber.on('message', (_channel: string, message: string) => options.receive(message))
    subscriber.on('ready', () => void this.subscribeAll())
    subscriber.on('close', () => this.lost())
    publisher.on('ready', () => {
      options.onStateChange?.(this.up)
      this.announceCatchUp()
    })
    publisher.on('close', () => options.onStateChange?.(false))
    commands.on('ready', () => void this.beat())
    this.heartbeat = setInterval(() => {
      void this.beat()
      this.redis.probe()
    }, options.beatMs).unref()
  }

  /** Waits (briefly) for Redis; without it the instance starts on the database-backed path. */
  async start(): Promise<void> {
    await within(CONNECT_WAIT_MS, this.joined)
    if (this.subscribed) return
    this.options.log.error(
      { redis: redact(this.options.url) },
      `Redis is unreachable: agents on other instances are reached through the database (polled every ${FALLBACK_POLL_MS} ms) until it answers`,
    )
    this.fallback.startPolling()
  }

  /** Is Redis serving this instance (subscriptions and publishing)? */
  get up(): boolean {
    return this.subscribed && this.redis.publisher.status === 'ready'
  }

  /**
   * Publishes, or — while Redis is away — leaves it to the database: what was stored (messages,
   * channel status) reaches the other instances when they catch up, which they are asked to do
   * once this instance can publish again. `queue`: wait for Redis instead.
   */
  publish(channel: string, message: string, queue = false): void {
    if (!queue && this.redis.publisher.status !== 'ready') {
      this.unpublished = true
      return
    }
    this.redis.publisher.publish(channel, message).catch((error: unknown) => {
      this.unpublished = true
      this.options.log.warn({ err: error }, 'Redis publish failed')
    })
  }

  /** Catches the agents here up from the database, now or right after the run in progress. */
  catchUp(): Promise<void> {
    return this.fallback.run()
  }

  /** Stops beating and polling, runs `leave` (presence), then closes the connections. */
  async close(leave: () => Promise<void>): Promise<void> {
    this.closing = true
    clearInterval(this.heartbeat)
    this.fallback.stopPolling()
    await leave().catch(() => undefined)
    await this.redis.quit()
  }

  /** (Re)subscribes to the broadcast and every local agent's channel, then catches up what the gap may have dropped. */
  private async subscribeAll(): Promise<void> {
    try {
      await this.redis.subscriber.subscribe(this.options.broadcast, ...this.options.channels())
    } catch (error) {
      return this.options.log.warn({ err: error }, 'Redis subscriptions not restored; retrying on reconnect')
    }
    const recovered = this.fallback.polling
    this.subscribed = true
    this.markJoined()
    this.fallback.stopPolling()
    this.options.onStateChange?.(this.up)
    if (recovered) this.options.log.warn('Redis is reachable again: cross-instance delivery is back on pub/sub')
    else this.options.log.info({ instance_id: this.options.instanceId }, 'joined the cluster on Redis')
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

  /** Publishing resumed after messages went unpublished: every instance catches up from the database. */
  private announceCatchUp(): void {
    if (!this.unpublished) return
    this.unpublished = false
    this.publish(this.options.broadcast, this.options.catchUpMessage, true)
  }

  private async beat(): Promise<void> {
    if (this.closing || this.redis.commands.status !== 'ready') return
    await this.options.beat().catch((error: unknown) => this.options.log.debug({ err: error }, 'presence heartbeat failed'))
  }
}

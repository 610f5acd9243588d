// The Redis connections of one hub instance, and their health. Publishing, subscribing and the
// commands that must fail fast (presence, locks) each get a connection of their own. ioredis
// reconnects a dropped connection by itself; a half-open one raises no error, so an unanswered
// ping (or subscription) drops it deliberately and lets it reconnect.
import type { FastifyBaseLogger } from 'fastify'
import { Redis, type RedisOptions } from 'ioredis'
import { within } from '../lib/within.js'

/** Commands that must not wait for Redis (presence, locks) fail after this long. */
const COMMAND_TIMEOUT_MS = 1000
/** A ping or subscription Redis has not answered within this long means a dead connection. */
const ANSWER_TIMEOUT_MS = 2000

export class RedisConnections {
  /** Events out; commands queue while disconnected (only what must wait for Redis is sent then). */
  readonly publisher: Redis
  readonly subscriber: Redis
  /** Presence and locks: these fail fast instead of waiting for Redis. */
  readonly commands: Redis
  private closing = false

  constructor(
    url: string,
    instanceId: string,
    private readonly log: FastifyBaseLogger,
  ) {
    const common: RedisOptions = {
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(100 * attempt, 2000),
      connectionName: `claw-chat-hub:${instanceId}`,
      keepAlive: 5000,
    }
    this.publisher = new Redis(url, { ...common, enableAutoPipelining: true })
    this.subscriber = new Redis(url, { ...common, autoResubscribe: false })
    this.commands = new Redis(url, { ...common, enableOfflineQueue: false, commandTimeout: COMMAND_TIMEOUT_MS })
    for (const redis of this.all()) {
      // Reconnection is automatic; the cluster logs the state changes an operator needs to see.
      redis.on('error', (error: Error) => log.debug({ err: error }, 'Redis connection error'))
    }
  }

  /** Subscribes; a subscription Redis does not confirm in time is made again on a new connection. */
  async subscribe(channel: string): Promise<void> {
    if (!(await answered(this.subscriber.subscribe(channel)))) this.reconnect(this.subscriber, 'a subscription')
  }

  /** Pings the publisher and the subscriber; one that does not answer is dropped and reconnects. */
  probe(): void {
    for (const redis of [this.publisher, this.subscriber]) {
      if (this.closing || redis.status !== 'ready') continue
      void answered(redis.ping()).then((ok) => ok || this.reconnect(redis, 'a ping'))
    }
  }

  /** Closes every connection; QUIT waits behind queued commands, so it gets a moment, then a cut. */
  async quit(): Promise<void> {
    this.closing = true
    await Promise.all(
      this.all().map(async (redis) => {
        if (!(await answered(redis.quit()))) redis.disconnect()
      }),
    )
  }

  private all(): Redis[] {
    return [this.publisher, this.subscriber, this.commands]
  }

  private reconnect(redis: Redis, what: string): void {
    if (this.closing || redis.status !== 'ready') return
    this.log.warn(`Redis did not answer ${what} within ${ANSWER_TIMEOUT_MS} ms: reconnecting`)
    redis.disconnect(true)
  }
}

/** Did Redis answer the command within ANSWER_TIMEOUT_MS (a refusal counts as an answer)? */
const answered = (command: Promise<unknown>): Promise<boolean> => within(ANSWER_TIMEOUT_MS, command)

/** The URL without its password, for logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return 'an invalid URL'
  }
}

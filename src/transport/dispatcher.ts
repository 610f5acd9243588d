// Reads a connection's frames: size check, pace (MAX_FRAMES_PER_SECOND), parse and validate,
// then hand each to its handler in arrival order. Every refusal becomes an `error` frame; a client
// that keeps sending frames the hub must refuse (flooding included) is disconnected with 4400.
// The frames waiting for their turn are bounded per connection and hub-wide (WorkQueue), and
// those of a connection that has closed are dropped, not run.
import type { FastifyBaseLogger } from 'fastify'
import type { RawData } from 'ws'
import { Errors, isHubError } from '../errors.js'
import { errorFrame, replyTo } from '../protocol/builders.js'
import { CloseCode } from '../protocol/close-codes.js'
import type { ClientFrame, HubFrame } from '../protocol/frames.js'
import { parseFrame, type Parsed } from '../protocol/parse.js'
import type { HubMetrics } from '../metrics.js'
import type { TaskSet } from '../lib/task-set.js'
import type { Connection } from './connection.js'
import type { FrameContext, Handlers } from './handlers.js'
import { TokenBucket } from './limits.js'

/** Refusals a connection may collect at once, and how many it earns back per second. */
const ERROR_BURST = 20
const ERROR_REFILL_PER_SECOND = 1

export interface DispatcherOptions {
  maxFrameBytes: number
  /** Frames per second the connection may send, in bursts of twice that. */
  maxFramesPerSecond: number
  log: FastifyBaseLogger
  metrics: HubMetrics
  /** Frames in progress, which shutdown waits for. */
  tasks: TaskSet
  /** The hub is shutting down: refuse new work so that everything accepted can be acked. */
  closing: () => boolean
  /** Frames waiting to be handled, of every connection. */
  queue: WorkQueue
}

/** Frames waiting to be handled: at most `perConnection` of one connection, `total` of all. */
export class WorkQueue {
  waiting = 0
  constructor(
    readonly perConnection: number,
    readonly total: number,
  ) {}
}

export class FrameDispatcher {
  private tail: Promise<void> = Promise.resolve()
  /** This connection's frames accepted and not yet handled. */
  private waiting = 0
  private readonly errorTokens = new TokenBucket(ERROR_BURST, ERROR_REFILL_PER_SECOND)
  private readonly frameTokens: TokenBucket

  constructor(
    private readonly connection: Connection,
    private readonly handlers: Handlers,
    private readonly options: DispatcherOptions,
  ) {
    this.frameTokens = new TokenBucket(2 * options.maxFramesPerSecond, options.maxFramesPerSecond)
  }

  receive(data: RawData): void {
    const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)
    if (buffer.byteLength > this.options.maxFrameBytes) {
      return this.refuse(new Errors.FrameTooLarge(buffer.byteLength, this.options.maxFrameBytes), undefined)
    }
    const parsed = parseFrame(buffer.toString('utf8'))
    // Every frame counts, well-formed or not; one over the pace is answered, not handled.
    if (!this.frameTokens.take()) {
      this.options.metrics.limitBreaches.inc({ limit: 'max_frames_per_second' })
      const limit = this.options.maxFramesPerSecond
      return this.refuse(new Errors.RateLimited(`More than ${limit} frames a second; slow down`), parsed.requestId)
    }
    if (!parsed.frame) return this.refuse(parsed.error, parsed.requestId)
    const frame = parsed.frame
    if (this.options.closing()) {
      return this.refuse(new Errors.Unavailable('The hub is shutting down; reconnect and retry'), parsed.requestId)
    }
    const { queue } = this.options
    if (this.waiting >= queue.perConnection || queue.waiting >= queue.total) {
      this.options.metrics.limitBreaches.inc({ limit: this.waiting >= queue.perConnection ? 'max_queued_frames' : 'max_total_queued_frames' })
      // The hub's backlog, not necessarily this client's doing: not held against it.
      return this.refuse(new Errors.RateLimited('Too many frames waiting for the database; retry shortly'), parsed.requestId, false)
    }
    this.options.metrics.framesReceived.inc({ type: frame.type })
    this.waiting++
    queue.waiting++
    this.tail = this.tail.then(async () => {
      try {
        // Once the socket has closed, its waiting frames are dropped: the client retries what was never acked.
        if (!this.connection.ended) await this.handle(frame, parsed.requestId)
      } finally {
        this.waiting--
        queue.waiting--
      }
    })
    this.options.tasks.track(this.tail)
  }

  private async handle(frame: ClientFrame, requestId: Parsed['requestId']): Promise<void> {
    const ctx: FrameContext = {
      connection: this.connection,
      origin: { connectionId: this.connection.id, requestId },
      reply: (reply: HubFrame) => this.connection.sendFrame(replyTo(reply, requestId)),
      fail: (error: unknown) => this.refuse(error, requestId),
    }
    try {
      const handler = this.handlers[frame.type] as (ctx: FrameContext, frame: ClientFrame) => Promise<void> | void
      await handler(ctx, frame)
    } catch (error) {
      ctx.fail(error)
    }
  }

  private refuse(error: unknown, requestId: Parsed['requestId'], counted = true): void {
    const known = isHubError(error)
    if (!known) this.options.log.error({ err: error, agent_id: this.connection.agentId }, 'frame handling failed')
    const code = known ? error.code : 'INTERNAL_ERROR'
    this.options.metrics.frameErrors.inc({ code })
    this.connection.sendFrame(errorFrame(code, known ? error.message : 'Internal error', requestId))
    // The hub's own failures (and its shutting down) are not held against the client.
    if (counted && known && error.statusCode !== 503 && !this.errorTokens.take()) {
      this.connection.close(CloseCode.TOO_MANY_ERRORS, 'too many refused frames')
    }
  }
}

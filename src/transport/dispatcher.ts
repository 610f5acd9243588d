// Reads a connection's frames: size check, parse and validate, then hand each to its handler in
// arrival order. Flow control is the read window's: frames in flight are bounded, and a connection
// over its pace (MAX_FRAMES_PER_SECOND) is read more slowly, never refused. Every refusal becomes
// an `error` frame; a client that keeps sending frames the hub must refuse (garbage, forbidden or
// invalid ones) is disconnected with 4400. Waiting frames are bounded per connection and hub-wide
// (WorkQueue); those of a closed connection are dropped, not run. Each waits for a turn of the
// event loop with budget left, so that a flood of frames on synchronous storage never holds it.
import type { FastifyBaseLogger } from 'fastify'
import type { RawData } from 'ws'
import { Errors, isHubError, retryable } from '../errors.js'
import { errorFrame, replyTo } from '../protocol/builders.js'
import { CloseCode } from '../protocol/close-codes.js'
import type { ClientFrame, HubFrame } from '../protocol/frames.js'
import { parseFrame, type Parsed } from '../protocol/parse.js'
import type { HubMetrics } from '../metrics.js'
import type { StorageHealth } from '../store/storage-health.js'
import type { TaskSet } from '../lib/task-set.js'
import { inTurn, turnLeft } from '../lib/turns.js'
import type { Connection } from './connection.js'
import type { FrameContext, Handlers } from './handlers.js'
import { TokenBucket } from './limits.js'
import { ReadWindow, type ReadWindowLimits } from './read-window.js'
import type { WorkQueue } from './work-queue.js'

/** Refusals a connection may collect at once, and how many it earns back per second. */
const ERROR_BURST = 20
const ERROR_REFILL_PER_SECOND = 1
/** How long a frame refused for a full queue is told to wait: about a group commit or two. */
const QUEUE_RETRY_MS = 50

export interface DispatcherOptions {
  maxFrameBytes: number
  /** Frames per second the connection may send, in bursts of twice that; faster ones are read more slowly. */
  maxFramesPerSecond: number
  /** Frames (and bytes) in flight past which the connection's socket is not read. */
  inFlight: ReadWindowLimits
  log: FastifyBaseLogger
  metrics: HubMetrics
  /** Frames in progress, which shutdown waits for. */
  tasks: TaskSet
  /** The hub is shutting down: refuse new work so that everything accepted can be acked. */
  closing: () => boolean
  /** Turns the storage's failures (unreachable, full, read-only) into UNAVAILABLE. */
  storage: Pick<StorageHealth, 'refusal'>
  /** Frames waiting to be handled, of every connection. */
  queue: WorkQueue
}

/** A frame accepted and waiting for its turn. */
interface Accepted {
  frame: ClientFrame
  requestId: Parsed['requestId']
  release: () => void
}

export class FrameDispatcher {
  /** This connection's frames accepted and not yet handled (those in `accepted`, and the one being handled). */
  private waiting = 0
  /** Accepted frames not yet started, in arrival order. */
  private readonly accepted: Accepted[] = []
  /** A pump is handling this connection's frames. */
  private pumping = false
  private readonly errorTokens = new TokenBucket(ERROR_BURST, ERROR_REFILL_PER_SECOND)
  private readonly frameTokens: TokenBucket
  private readonly window: ReadWindow

  constructor(
    private readonly connection: Connection,
    private readonly handlers: Handlers,
    private readonly options: DispatcherOptions,
  ) {
    this.frameTokens = new TokenBucket(2 * options.maxFramesPerSecond, options.maxFramesPerSecond)
    this.window = new ReadWindow(connection, options.inFlight, (reason) => options.metrics.readsPaused.inc({ reason }))
    void connection.gone.then(() => this.window.close())
  }

  /** Frames received and not yet answered. */
  get inFlight(): number {
    return this.window.inFlight
  }

  receive(data: RawData): void {
    // ws hands a text frame over as a Buffer of its own: read as it is, not copied.
    const buffer = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
    // Every frame counts, well-formed or not; past the pace the socket is read more slowly.
    const wait = this.frameTokens.spend()
    if (wait > 0) {
      this.options.metrics.limitBreaches.inc({ limit: 'max_frames_per_second' })
      this.window.pace(wait)
    }
    if (buffer.byteLength > this.options.maxFrameBytes) {
      return this.refuse(new Errors.FrameTooLarge(buffer.byteLength, this.options.maxFrameBytes), undefined)
    }
    const parsed = parseFrame(buffer.toString('utf8'))
    if (!parsed.frame) return this.refuse(parsed.error, parsed.requestId)
    const frame = parsed.frame
    if (this.options.closing()) {
      return this.refuse(new Errors.Unavailable('The hub is shutting down; reconnect and retry'), parsed.requestId)
    }
    const { queue } = this.options
    if (this.waiting >= queue.perConnection || queue.waiting >= queue.total) {
      this.options.metrics.limitBreaches.inc({ limit: this.waiting >= queue.perConnection ? 'max_queued_frames' : 'max_total_queued_frames' })
      // The hub's backlog, not necessarily this client's doing: not held against it.
      return this.refuse(retryable(new Errors.RateLimited('Too many frames waiting for the database; retry shortly'), QUEUE_RETRY_MS), parsed.requestId, false)
    }
    this.options.metrics.framesReceived.inc({ type: frame.type })
    this.waiting++
    queue.waiting++
    this.accepted.push({ frame, requestId: parsed.requestId, release: this.window.take(buffer.byteLength) })
    if (!this.pumping) this.pump()
  }

  /**
   * Handles the accepted frames one after another until none is left, as units of the loop's
   * turns (lib/turns.ts): past a turn's budget, the loop polls its sockets first. One unit goes
   * on to the next frame while the turn lasts, so that frames handled at once (a chat_message
   * on its channel_id) cost no promise each. Shutdown waits for the pump (tasks).
   */
  private pump(): void {
    this.pumping = true
    let drained = (): void => undefined
    this.options.tasks.track(new Promise<void>((resolve) => (drained = resolve)))
    void (async () => {
      try {
        while (this.accepted.length > 0) await inTurn(() => this.handleWhileTurnLasts())
      } finally {
        this.pumping = false
        drained()
      }
    })().catch((error: unknown) => this.options.log.error({ err: error, agent_id: this.connection.agentId }, 'frame handling failed'))
  }

  /** Handles accepted frames in order while the turn lasts; settles once the last one started is handled. */
  private handleWhileTurnLasts(): Promise<void> | undefined {
    do {
      const handling = this.handleNext(this.accepted.shift() as Accepted)
      if (handling) return handling
    } while (this.accepted.length > 0 && turnLeft())
    return undefined
  }

  private handleNext({ frame, requestId, release }: Accepted): Promise<void> | undefined {
    const done = () => {
      this.waiting--
      this.options.queue.waiting--
    }
    // Once the socket has closed, its waiting frames are dropped: the client retries what was never acked.
    const handling = this.connection.ended ? release() : this.handle(frame, requestId, release)
    if (handling) return handling.finally(done)
    done()
    return undefined
  }

  /** Runs the frame's handler; a promise only if the handler returned one. */
  private handle(frame: ClientFrame, requestId: Parsed['requestId'], release: () => void): Promise<void> | undefined {
    let kept = false
    const ctx: FrameContext = {
      connection: this.connection,
      origin: { connectionId: this.connection.id, requestId },
      reply: (reply: HubFrame) => this.connection.sendFrame(replyTo(reply, requestId)),
      fail: (error: unknown) => this.refuse(error, requestId),
      keep: () => {
        kept = true
        return release
      },
    }
    const answered = () => {
      if (!kept) release()
    }
    const handler = this.handlers[frame.type] as (ctx: FrameContext, frame: ClientFrame) => Promise<void> | void
    let handling: Promise<void> | void = undefined
    try {
      handling = handler(ctx, frame)
    } catch (error) {
      ctx.fail(error)
    }
    if (handling instanceof Promise) {
      return handling.then(answered, (error: unknown) => {
        ctx.fail(error)
        answered()
      })
    }
    answered()
    return undefined
  }

  private refuse(failure: unknown, requestId: Parsed['requestId'], counted = true): void {
    // The storage's condition is logged by the health, once per episode, not once per frame.
    const error = this.options.storage.refusal(failure) ?? failure
    const known = isHubError(error)
    if (!known) this.options.log.error({ err: error, agent_id: this.connection.agentId }, 'frame handling failed')
    const code = known ? error.code : 'INTERNAL_ERROR'
    this.options.metrics.frameErrors.inc({ code })
    this.connection.sendFrame(errorFrame(code, known ? error.message : 'Internal error', requestId, known ? error.retryAfterMs : undefined))
    // The hub's own failures (and its shutting down) are not held against the client.
    if (counted && known && error.statusCode !== 503 && !this.errorTokens.take()) {
      this.connection.close(CloseCode.TOO_MANY_ERRORS, 'too many refused frames')
    }
  }
}

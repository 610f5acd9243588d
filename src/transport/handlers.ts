// What the hub does with each kind of client frame. Handlers run in frame order per connection;
// a chat_message handler returns once the message is queued, and its ack follows at commit.
import type { Chat } from '../chat/index.js'
import { asAgent } from '../domain/actor.js'
import { Errors } from '../errors.js'
import { inTurn } from '../lib/turns.js'
import { ackJson, replyTo, serviceFrame } from '../protocol/builders.js'
import type { ClientFrameOf, ClientFrameType, HubFrame } from '../protocol/frames.js'
import type { Origin } from '../protocol/replies.js'
import { HISTORY_DEFAULT_LIMIT } from '../protocol/shapes.js'
import type { Store, StoredMessage } from '../store/index.js'
import type { Connection } from './connection.js'

export interface FrameContext {
  connection: Connection
  origin: Origin
  reply(frame: HubFrame): void
  fail(error: unknown): void
  /**
   * The frame stays in flight after its handler returns (a message queued for commit): call the
   * returned function once it is answered. Frames not kept are answered when the handler returns.
   */
  keep(): () => void
}

type Handler<T extends ClientFrameType> = (ctx: FrameContext, frame: ClientFrameOf<T>) => Promise<void> | void
export type Handlers = { [T in ClientFrameType]: Handler<T> }

/** Replays what the connection missed (from the client's cursors, where it names them) and goes live. */
export type Replay = (connection: Connection, clientCursors?: Map<string, number>) => Promise<number>

/** Hears how long each chat_message took from its frame to its ack, in seconds. */
export type AckObserver = (seconds: number) => void

export function createHandlers(store: Store, chat: Chat, replay: Replay, observeAck: AckObserver = () => undefined): Handlers {
  const { lifecycle, messaging } = chat
  return {
    register_service: async (ctx, frame) => {
      const service = await store.services.register(ctx.connection.agentId, frame.service_id, frame.description)
      ctx.reply(serviceFrame(service))
    },
    chat_request: async (ctx, frame) => {
      const channel = await lifecycle.request(ctx.connection.agentId, frame.service_id, frame.message, ctx.origin)
      // Its answer is owed to this connection, should the live frame be lost between instances.
      if (channel.status === 'pending') ctx.connection.deliveries.know(channel.id, 'pending')
    },
    chat_accept: async (ctx, frame) => {
      await lifecycle.accept(asAgent(ctx.connection.agentId), frame, ctx.origin)
    },
    chat_reject: async (ctx, frame) => {
      await lifecycle.reject(asAgent(ctx.connection.agentId), frame, frame.reason, ctx.origin)
    },
    // Handled at once when the frame names its channel (no promise of its own, see the dispatcher).
    chat_message: (ctx, frame) => {
      const received = performance.now()
      const sender = ctx.connection.agentId
      const submit = (channelId: string) => {
        const answered = ctx.keep()
        const acked = ({ message, duplicate }: StoredMessage) => {
          try {
            ctx.connection.send(ackJson(message, duplicate, ctx.origin.requestId))
            observeAck((performance.now() - received) / 1000)
          } finally {
            answered()
          }
        }
        messaging.enqueue(sender, channelId, frame, acked, (error) => {
          ctx.fail(error)
          answered()
        })
      }
      const channel = messaging.channelFor(sender, frame)
      return typeof channel === 'string' ? submit(channel) : channel.then(submit)
    },
    chat_end: async (ctx, frame) => {
      await lifecycle.end(asAgent(ctx.connection.agentId), frame.channel_id, frame.reason, ctx.origin)
    },
    chat_history: async (ctx, frame) => {
      const page = await messaging.history(asAgent(ctx.connection.agentId), {
        ...frame,
        limit: frame.limit ?? HISTORY_DEFAULT_LIMIT,
      })
      // Paced like replay: a reader of large pages waits for the socket before its next frame.
      // Serialised and written as a unit of the loop's turns of its own (lib/turns.ts): a page read
      // on PostgreSQL arrives in a later turn, which the frame's unit no longer accounts for.
      await inTurn(() => ctx.connection.sendPaced(replyTo({ type: 'chat_history', ...page }, ctx.origin.requestId)))
    },
    resume: async (ctx, frame) => {
      if (!ctx.connection.takeResume()) {
        throw new Errors.InvalidState('resume is the first frame of a connection opened with ?resume=1')
      }
      const cursors = new Map(frame.channels.map((cursor) => [cursor.channel_id, cursor.last_seq]))
      const replayed = await replay(ctx.connection, cursors)
      ctx.reply({ type: 'resume', replayed })
    },
    ping: (ctx) => ctx.reply({ type: 'pong', server_time: new Date().toISOString() }),
    pong: () => undefined,
  }
}

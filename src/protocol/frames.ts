// Frames of the /ws protocol. Every frame is one JSON object with a `type`; a client may add
// `request_id` to any frame and every reply to it carries the same value. This file holds the
// client → hub frames and re-exports the hub → client ones (hub-frames.ts), so that the whole
// protocol is read from here.
import { Type, type Static } from '@sinclair/typebox'
import { AgentId, ChannelId, ClientMsgId, Content, Description, HistoryLimit, Metadata, Reason, Seq, ServiceId } from './shapes.js'
import { frame } from './frame.js'

export { RequestId, type RequestIdValue } from './frame.js'
export * from './hub-frames.js'

// ── client → hub ────────────────────────────────────────────────────────────

export const RegisterServiceFrame = frame(
  'register_service',
  { service_id: ServiceId, description: Type.Optional(Description) },
  'Provider binds a service to itself; requests for the service reach it. Reply: `register_service` with the service.',
)
export const ChatRequestFrame = frame(
  'chat_request',
  { service_id: ServiceId, message: Type.Optional(Content) },
  "Consumer asks to talk to a service's provider. The reply is the provider's `chat_accept` or `chat_reject`, carrying this frame's request_id.",
)
export const ChatAcceptFrame = frame(
  'chat_accept',
  { channel_id: Type.Optional(ChannelId), consumer_id: Type.Optional(AgentId) },
  'Provider accepts a pending request, named by channel_id or by the consumer_id that sent it. Both sides receive `chat_accept`. Should the pair have an active channel for the service already (opened meanwhile by a message or the operator), the `chat_accept` names that channel, and a `chat_reject` with reason `duplicate` follows for the request.',
)
export const ChatRejectFrame = frame(
  'chat_reject',
  { channel_id: Type.Optional(ChannelId), consumer_id: Type.Optional(AgentId), reason: Type.Optional(Reason) },
  'Provider rejects a pending request. Both sides receive `chat_reject`.',
)
export const ChatMessageFrame = frame(
  'chat_message',
  {
    channel_id: Type.Optional(ChannelId),
    target_agent: Type.Optional(AgentId),
    content: Content,
    metadata: Type.Optional(Metadata),
    service_id: Type.Optional(ServiceId),
    client_msg_id: Type.Optional(ClientMsgId),
  },
  'A message on a channel, or to target_agent: that opens (or reuses) the active channel of the pair and service. Reply: `ack` once stored.',
)
export const ChatEndFrame = frame(
  'chat_end',
  { channel_id: ChannelId, reason: Type.Optional(Reason) },
  'Either side ends an active channel. Both sides receive `chat_end`.',
)
export const ChatHistoryFrame = frame(
  'chat_history',
  {
    channel_id: Type.Optional(ChannelId),
    service_id: Type.Optional(ServiceId),
    limit: Type.Optional(HistoryLimit),
    before_seq: Type.Optional(Seq),
    after_seq: Type.Optional(Seq),
  },
  "History of a channel (or of this agent's latest channel for service_id), oldest first. Without a cursor: the latest page.",
)
export const ResumeCursor = Type.Object({ channel_id: ChannelId, last_seq: Seq })
export const ResumeFrame = frame(
  'resume',
  {
    channels: Type.Array(ResumeCursor, {
      maxItems: 10_000,
      description: 'The last seq this client holds per channel; channels it does not list resume from what the hub last sent the agent.',
    }),
  },
  'First frame of a connection opened with `?resume=1`: the hub replays, in order, exactly the messages after each cursor, then goes live. Reply: `resume` once the replay is written.',
)
export const PingFrame = frame('ping', {}, 'Liveness check; the hub answers `pong`.')
export const PongFrame = frame('pong', {}, 'Answer to a `ping`.')

export const ClientFrames = [
  RegisterServiceFrame,
  ChatRequestFrame,
  ChatAcceptFrame,
  ChatRejectFrame,
  ChatMessageFrame,
  ChatEndFrame,
  ChatHistoryFrame,
  ResumeFrame,
  PingFrame,
  PongFrame,
] as const
export const ClientFrame = Type.Union([...ClientFrames])
export type ClientFrame = Static<typeof ClientFrame>
export type ClientFrameType = ClientFrame['type']
export type ClientFrameOf<T extends ClientFrameType> = Extract<ClientFrame, { type: T }>

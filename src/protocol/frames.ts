// Frames of the /ws protocol. Every frame is one JSON object with a `type`; a client may add
// `request_id` to any frame and every reply to it carries the same value.
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox'
import {
  AgentId,
  Channel,
  ChannelId,
  ClientMsgId,
  Content,
  Description,
  HistoryLimit,
  HistoryPage,
  Message,
  MessageId,
  Metadata,
  Reason,
  Seq,
  Service,
  ServiceId,
  Timestamp,
} from './shapes.js'

export const RequestId = Type.Union([Type.String({ maxLength: 128 }), Type.Integer({ minimum: -(2 ** 53 - 1), maximum: 2 ** 53 - 1 })], {
  description: 'Chosen by the client; echoed on every reply to the frame.',
})

function frame<T extends string, P extends TProperties>(type: T, properties: P, description: string) {
  return Type.Object(
    { type: Type.Literal(type), request_id: Type.Optional(RequestId), ...properties },
    { title: type, description },
  )
}

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
  'Provider accepts a pending request, named by channel_id or by the consumer_id that sent it. Both sides receive `chat_accept`.',
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

// ── hub → client ────────────────────────────────────────────────────────────

function withType<T extends string, P extends TProperties>(type: T, base: TObject<P>, description: string) {
  return frame(type, base.properties, description)
}

export const WelcomeFrame = frame(
  'welcome',
  {
    agent_id: AgentId,
    protocol: Type.Integer({ description: 'Protocol version.' }),
    server_time: Timestamp,
    max_frame_bytes: Type.Integer({ description: 'Largest frame the hub accepts.' }),
  },
  "The hub's first frame on every connection.",
)
export const ServiceRegisteredFrame = withType('register_service', Service, 'Reply to `register_service`.')
export const ChatRequestedFrame = frame(
  'chat_request',
  {
    channel_id: ChannelId,
    consumer_id: AgentId,
    provider_id: AgentId,
    service_id: ServiceId,
    message: Type.Optional(Type.String({ description: "The consumer's opening words, if it sent any." })),
    created_at: Timestamp,
  },
  'To the provider: a consumer asks to talk. Answer with `chat_accept` or `chat_reject`. Pending requests are re-sent when the provider connects.',
)
export const ChatAcceptedFrame = withType('chat_accept', Channel, 'To both sides: the channel is active.')
export const ChatRejectedFrame = frame(
  'chat_reject',
  { ...Channel.properties, reason: Type.Optional(Type.String({ description: "The provider's reason, if it gave one." })) },
  'To both sides: the request was rejected.',
)
export const ChatMessageDeliveryFrame = withType('chat_message', Message, 'To the recipient: a stored message.')
export const AckFrame = frame(
  'ack',
  {
    message_id: MessageId,
    channel_id: ChannelId,
    seq: Seq,
    timestamp: Timestamp,
    client_msg_id: Type.Optional(ClientMsgId),
    duplicate: Type.Optional(Type.Boolean({ description: 'True when client_msg_id matched a message already stored.' })),
  },
  'To the sender: the message is stored durably.',
)
export const ChatEndedFrame = frame(
  'chat_end',
  {
    channel_id: ChannelId,
    ended_by: Type.String({ description: 'The agent that ended the channel, or "admin".' }),
    reason: Type.Optional(Type.String({ description: 'The reason given, if any.' })),
    ended_at: Timestamp,
  },
  'To both sides: the channel has ended; further messages to it are refused.',
)
export const HistoryFrame = withType('chat_history', HistoryPage, 'Reply to `chat_history`.')
export const ResumedFrame = frame(
  'resume',
  { replayed: Type.Integer({ minimum: 0, description: 'Messages replayed before going live.' }) },
  'Reply to `resume`: every missed message has been written to the connection; live delivery follows.',
)
export const PongReplyFrame = frame('pong', { server_time: Timestamp }, 'Reply to `ping`.')
export const ErrorFrame = frame(
  'error',
  {
    code: Type.String({ description: 'Stable UPPER_SNAKE code to branch on (see Error codes).' }),
    message: Type.String({ description: 'What went wrong, for people.' }),
  },
  'A frame was refused. The connection stays open unless the client keeps abusing it.',
)

export const HubFrames = [
  WelcomeFrame,
  ServiceRegisteredFrame,
  ChatRequestedFrame,
  ChatAcceptedFrame,
  ChatRejectedFrame,
  ChatMessageDeliveryFrame,
  AckFrame,
  ChatEndedFrame,
  HistoryFrame,
  ResumedFrame,
  PongReplyFrame,
  ErrorFrame,
] as const
export type WelcomeFrame = Static<typeof WelcomeFrame>
export type ServiceRegisteredFrame = Static<typeof ServiceRegisteredFrame>
export type ChatRequestedFrame = Static<typeof ChatRequestedFrame>
export type ChatAcceptedFrame = Static<typeof ChatAcceptedFrame>
export type ChatRejectedFrame = Static<typeof ChatRejectedFrame>
export type ChatMessageDeliveryFrame = Static<typeof ChatMessageDeliveryFrame>
export type AckFrame = Static<typeof AckFrame>
export type ChatEndedFrame = Static<typeof ChatEndedFrame>
export type HistoryFrame = Static<typeof HistoryFrame>
export type ResumedFrame = Static<typeof ResumedFrame>
export type PongReplyFrame = Static<typeof PongReplyFrame>
export type ErrorFrame = Static<typeof ErrorFrame>
export type HubFrame =
  | WelcomeFrame
  | ServiceRegisteredFrame
  | ChatRequestedFrame
  | ChatAcceptedFrame
  | ChatRejectedFrame
  | ChatMessageDeliveryFrame
  | AckFrame
  | ChatEndedFrame
  | HistoryFrame
  | ResumedFrame
  | PongReplyFrame
  | ErrorFrame

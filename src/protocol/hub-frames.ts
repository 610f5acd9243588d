// The hub → client frames of the /ws protocol; builders.ts makes them from the hub's records.
import { Type, type Static } from '@sinclair/typebox'
import { AgentId, Channel, ChannelId, ClientMsgId, HistoryPage, Message, MessageId, Seq, Service, ServiceId, Timestamp } from './shapes.js'
import { frame, withType } from './frame.js'

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
    retry_after_ms: Type.Optional(
      Type.Integer({
        minimum: 0,
        description: 'With RATE_LIMITED or UNAVAILABLE: the frame was not handled; send it again, unchanged, after this many ms.',
      }),
    ),
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

// Wire shapes of the hub's resources (agents, services, channels, messages), shared by the
// /ws frames, the REST routes, the OpenAPI document and the TypeScript client.
// Each resource shape carries an `$id`: the OpenAPI and AsyncAPI documents list it once, by that
// name, and refer to it wherever it is used.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { CHANNEL_STATUSES } from '../domain/channel.js'
import { Metadata } from './metadata.js'
import { AGENT_EXAMPLE, CHANNEL_EXAMPLE, EXAMPLE, HISTORY_EXAMPLE, MESSAGE_EXAMPLE, SERVICE_EXAMPLE } from './examples.js'

const NAME_PATTERN = '^[A-Za-z0-9._:-]+$'
/**
 * Free text the databases can store: any Unicode but NUL (PostgreSQL text cannot hold it), and
 * no lone surrogate (it has no UTF-8 form).
 */
const TEXT_PATTERN = '^(?:[^\\u0000\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$'

/** A free-text string: no NUL characters nor lone surrogates, bounded length. */
export const Text = (maxLength: number, options: { minLength?: number; description?: string; examples?: string[] } = {}) =>
  Type.String({ maxLength, pattern: TEXT_PATTERN, ...options })

/** An identifier: 1 to `maxLength` characters of [A-Za-z0-9._:-]. */
const Name = (maxLength: number, description: string, example: string) =>
  Type.String({ minLength: 1, maxLength, pattern: NAME_PATTERN, description, examples: [example] })

export const AgentId = Name(128, 'Agent identifier: 1–128 characters of [A-Za-z0-9._:-].', EXAMPLE.consumer)
export const ServiceId = Name(128, 'Service identifier: 1–128 characters of [A-Za-z0-9._:-].', EXAMPLE.service)
export const ChannelId = Name(64, "'ch_' + a sortable unique id (ULID).", EXAMPLE.channel)
export const MessageId = Name(64, "'msg_' + a sortable unique id (ULID).", EXAMPLE.message)
export const ClientMsgId = Text(128, {
  minLength: 1,
  description: 'Idempotency key chosen by the sender, unique per sender and channel: a retried send returns the original message.',
  examples: [EXAMPLE.clientMsgId],
})
/** The largest seq a channel can reach (the databases' 32-bit integer). */
export const MAX_SEQ = 2_147_483_647
export const Seq = Type.Integer({
  minimum: 0,
  maximum: MAX_SEQ,
  description: 'Per-channel sequence number; the first message has seq 1.',
  examples: [1],
})
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC.', examples: [EXAMPLE.sentAt] })
export const Content = Text(200_000, { minLength: 1, description: 'Message text (any Unicode but NUL and lone surrogates).', examples: [EXAMPLE.question] })
export { Metadata }
export const Reason = Text(1000, { description: 'Why, in a few words; shown to the other agent.', examples: [EXAMPLE.reason] })
export const Description = Text(2000, { description: 'What the service does, for consumers choosing one.', examples: [EXAMPLE.description] })
export const ChannelStatus = Type.Union(
  CHANNEL_STATUSES.map((status) => Type.Literal(status)),
  { description: 'pending → active | rejected; active → ended.', examples: ['active'] },
)

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const Agent = Type.Object(
  {
    agent_id: AgentId,
    display_name: Nullable(Type.String({ description: 'A name for people reading lists of agents.', examples: ['Weather provider'] })),
    created_at: Timestamp,
    last_seen_at: Nullable(
      Type.String({ format: 'date-time', description: 'Last connect or disconnect; null if it never connected.', examples: [EXAMPLE.sentAt] }),
    ),
    online: Type.Boolean({ description: 'Connected to the hub over /ws right now.' }),
    connections: Type.Integer({ minimum: 0, description: 'Open /ws connections of this agent.' }),
  },
  { $id: 'Agent', description: 'An agent the hub knows, with its presence on every hub instance.', examples: [AGENT_EXAMPLE] },
)

export const Service = Type.Object(
  {
    service_id: ServiceId,
    provider_id: AgentId,
    description: Nullable(Type.String({ description: 'What the service does.' })),
    created_at: Timestamp,
  },
  { $id: 'Service', description: 'A service, bound to the provider that registered it.', examples: [SERVICE_EXAMPLE] },
)

export const Channel = Type.Object(
  {
    channel_id: ChannelId,
    provider_id: AgentId,
    consumer_id: AgentId,
    service_id: Nullable(ServiceId),
    status: ChannelStatus,
    created_at: Timestamp,
    ended_at: Nullable(Type.String({ format: 'date-time', description: 'When it was rejected or ended.', examples: [EXAMPLE.endedAt] })),
    end_reason: Nullable(Type.String({ description: 'The reason given when it was rejected or ended.' })),
    ended_by: Nullable(Type.String({ description: 'Agent that ended the channel, "admin", or "hub" (a request that expired).' })),
    last_seq: Type.Integer({ minimum: 0, maximum: MAX_SEQ, description: 'Seq of its latest message; 0 before the first.' }),
  },
  { $id: 'Channel', description: 'A conversation between one provider and one consumer.', examples: [CHANNEL_EXAMPLE] },
)

export const Message = Type.Object(
  {
    message_id: MessageId,
    channel_id: ChannelId,
    sender_id: AgentId,
    content: Type.String({ description: 'Message text.' }),
    metadata: Type.Optional(Metadata),
    seq: Seq,
    timestamp: Type.String({ format: 'date-time', description: 'When the hub stored it (ISO 8601, UTC).', examples: [EXAMPLE.sentAt] }),
    client_msg_id: Type.Optional(ClientMsgId),
  },
  { $id: 'Message', description: 'A stored message.', examples: [MESSAGE_EXAMPLE] },
)

export type AgentInfo = Static<typeof Agent>
export type ServiceInfo = Static<typeof Service>
export type ChannelInfo = Static<typeof Channel>
export type MessageInfo = Static<typeof Message>

/** Largest page of history one request returns. */
export const HISTORY_MAX_LIMIT = 500
export const HISTORY_DEFAULT_LIMIT = 50
/** Bytes of messages past which a history page stops early (it always holds one message). */
export const HISTORY_MAX_BYTES = 1024 * 1024

export const HistoryLimit = Type.Integer({
  minimum: 1,
  maximum: HISTORY_MAX_LIMIT,
  default: HISTORY_DEFAULT_LIMIT,
  description: `Page size: default ${HISTORY_DEFAULT_LIMIT}, at most ${HISTORY_MAX_LIMIT}.`,
})
export const HistoryPage = Type.Object(
  {
    channel_id: ChannelId,
    messages: Type.Array(Message, { description: 'Oldest first.' }),
    has_more: Type.Boolean({
      description: `More messages lie beyond this page in the direction it was read. A page stops early once its messages reach ${HISTORY_MAX_BYTES / 1024 / 1024} MiB.`,
    }),
    first_seq: Type.Optional(
      Type.Integer({
        minimum: 2,
        maximum: MAX_SEQ + 1,
        description:
          'Present once older messages were removed (MESSAGE_RETENTION, or the operator): the seq where the channel’s history now starts. Messages below it are gone; seqs are never reused.',
        examples: [1201],
      }),
    ),
  },
  { $id: 'HistoryPage', description: "A page of a channel's messages.", examples: [HISTORY_EXAMPLE] },
)
export type HistoryPageInfo = Static<typeof HistoryPage>

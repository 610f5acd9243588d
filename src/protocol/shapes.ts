// Wire shapes of the hub's resources (agents, services, channels, messages), shared by the
// /ws frames, the REST routes, the OpenAPI document and the TypeScript client.
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { CHANNEL_STATUSES } from '../domain/channel.js'

const NAME_PATTERN = '^[A-Za-z0-9._:-]+$'
/** Free text the databases can store: any Unicode but NUL (PostgreSQL text cannot hold it). */
const TEXT_PATTERN = '^[^\\u0000]*$'

/** A free-text string: no NUL characters, bounded length. */
export const Text = (maxLength: number, options: { minLength?: number; description?: string } = {}) =>
  Type.String({ maxLength, pattern: TEXT_PATTERN, ...options })

/** An identifier: 1 to `maxLength` characters of [A-Za-z0-9._:-]. */
const Name = (maxLength: number, description: string) =>
  Type.String({ minLength: 1, maxLength, pattern: NAME_PATTERN, description })

export const AgentId = Name(128, 'Agent identifier: 1–128 characters of [A-Za-z0-9._:-].')
export const ServiceId = Name(128, 'Service identifier: 1–128 characters of [A-Za-z0-9._:-].')
export const ChannelId = Name(64, "'ch_' + a sortable unique id.")
export const MessageId = Name(64, "'msg_' + a sortable unique id.")
export const ClientMsgId = Text(128, {
  minLength: 1,
  description: 'Idempotency key chosen by the sender, unique per sender and channel: a retried send returns the original message.',
})
/** The largest seq a channel can reach (the databases' 32-bit integer). */
export const MAX_SEQ = 2_147_483_647
export const Seq = Type.Integer({
  minimum: 0,
  maximum: MAX_SEQ,
  description: 'Per-channel sequence number; the first message has seq 1.',
})
export const Timestamp = Type.String({ format: 'date-time', description: 'ISO 8601, UTC.' })
export const Content = Text(200_000, { minLength: 1, description: 'Message text (any Unicode but NUL).' })
export const Metadata = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Any JSON object the sender attaches to a message.',
})
export const Reason = Text(1000)
export const Description = Text(2000)
export const ChannelStatus = Type.Union(
  CHANNEL_STATUSES.map((status) => Type.Literal(status)),
  { description: 'pending → active | rejected; active → ended.' },
)

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()])

export const Agent = Type.Object(
  {
    agent_id: AgentId,
    display_name: Nullable(Type.String()),
    created_at: Timestamp,
    last_seen_at: Nullable(Timestamp),
    online: Type.Boolean({ description: 'Connected to the hub over /ws right now.' }),
    connections: Type.Integer({ minimum: 0, description: 'Open /ws connections of this agent.' }),
  },
)

export const Service = Type.Object(
  {
    service_id: ServiceId,
    provider_id: AgentId,
    description: Nullable(Type.String()),
    created_at: Timestamp,
  },
)

export const Channel = Type.Object(
  {
    channel_id: ChannelId,
    provider_id: AgentId,
    consumer_id: AgentId,
    service_id: Nullable(ServiceId),
    status: ChannelStatus,
    created_at: Timestamp,
    ended_at: Nullable(Timestamp),
    end_reason: Nullable(Type.String()),
    ended_by: Nullable(Type.String({ description: 'Agent that ended the channel, or "admin".' })),
    last_seq: Seq,
  },
)

export const Message = Type.Object(
  {
    message_id: MessageId,
    channel_id: ChannelId,
    sender_id: AgentId,
    content: Type.String(),
    metadata: Type.Optional(Metadata),
    seq: Seq,
    timestamp: Timestamp,
    client_msg_id: Type.Optional(ClientMsgId),
  },
)

export type AgentInfo = Static<typeof Agent>
export type ServiceInfo = Static<typeof Service>
export type ChannelInfo = Static<typeof Channel>
export type MessageInfo = Static<typeof Message>

/** Largest page of history one request returns. */
export const HISTORY_MAX_LIMIT = 500
export const HISTORY_DEFAULT_LIMIT = 50

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
    has_more: Type.Boolean({ description: 'More messages lie beyond this page in the direction it was read.' }),
  },
)
export type HistoryPageInfo = Static<typeof HistoryPage>

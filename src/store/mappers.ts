// Turns database rows into the wire shapes of src/protocol (snake_case, ISO timestamps).
import type { Agent, Channel, Message, Service } from '../generated/sqlite/client.js'
import type { AgentInfo, ChannelInfo, ChannelStatusValue, MessageInfo, ServiceInfo } from '../protocol/shapes.js'
import type { MessageRow } from './write-batch.js'

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null)

export function toChannel(row: Channel): ChannelInfo {
  return {
    channel_id: row.id,
    provider_id: row.providerId,
    consumer_id: row.consumerId,
    service_id: row.serviceId,
    status: row.status as ChannelStatusValue,
    created_at: row.createdAt.toISOString(),
    ended_at: iso(row.endedAt),
    end_reason: row.endReason,
    ended_by: row.endedBy,
    last_seq: row.lastSeq,
  }
}

export function toMessage(row: Message): MessageInfo {
  const message: MessageInfo = {
    message_id: row.id,
    channel_id: row.channelId,
    sender_id: row.senderId,
    content: row.content,
    seq: row.seq,
    timestamp: row.createdAt.toISOString(),
  }
  if (row.metadata !== null) message.metadata = JSON.parse(row.metadata) as Record<string, unknown>
  if (row.clientMsgId !== null) message.client_msg_id = row.clientMsgId
  return message
}

/** A message row as the message logs read it (snake_case columns). */
export function fromRow(row: MessageRow): MessageInfo {
  return toMessage({
    id: row.id,
    channelId: row.channel_id,
    seq: row.seq,
    senderId: row.sender_id,
    content: row.content,
    metadata: row.metadata,
    clientMsgId: row.client_msg_id,
    createdAt: row.created_at,
  })
}

export function toService(row: Service): ServiceInfo {
  return {
    service_id: row.id,
    provider_id: row.providerId,
    description: row.description,
    created_at: row.createdAt.toISOString(),
  }
}

export function toAgent(row: Agent, connections: number): AgentInfo {
  return {
    agent_id: row.id,
    display_name: row.displayName,
    created_at: row.createdAt.toISOString(),
    last_seen_at: iso(row.lastSeenAt),
    online: connections > 0,
    connections,
  }
}

// Turns database rows into the wire shapes of src/protocol (snake_case, ISO timestamps).
import type { Agent, Channel, Service } from '../generated/sqlite/client.js'
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

/** A message as the message logs read it (snake_case columns; messages never go through Prisma). */
export function toMessage(row: MessageRow): MessageInfo {
  const message: MessageInfo = {
    message_id: row.id,
    channel_id: row.channel_id,
    sender_id: row.sender_id,
    content: row.content,
    seq: row.seq,
    timestamp: row.created_at.toISOString(),
  }
  if (row.metadata !== null) message.metadata = JSON.parse(row.metadata) as Record<string, unknown>
  if (row.client_msg_id !== null) message.client_msg_id = row.client_msg_id
  return message
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

// Turns the hub's records (src/domain) into the wire shapes of shapes.ts (snake_case, ISO
// timestamps), for REST responses and /ws frames alike.
import type { Agent, Service } from '../domain/agents.js'
import type { Channel } from '../domain/channel.js'
import type { AgentInfo, ChannelInfo, ServiceInfo } from './shapes.js'

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null)

export function toChannel(channel: Channel): ChannelInfo {
  return {
    channel_id: channel.id,
    provider_id: channel.providerId,
    consumer_id: channel.consumerId,
    service_id: channel.serviceId,
    status: channel.status,
    created_at: channel.createdAt.toISOString(),
    ended_at: iso(channel.endedAt),
    end_reason: channel.endReason,
    ended_by: channel.endedBy,
    last_seq: channel.lastSeq,
  }
}

export function toService(service: Service): ServiceInfo {
  return {
    service_id: service.id,
    provider_id: service.providerId,
    description: service.description,
    created_at: service.createdAt.toISOString(),
  }
}

export function toAgent(agent: Agent, connections: number): AgentInfo {
  return {
    agent_id: agent.id,
    display_name: agent.displayName,
    created_at: agent.createdAt.toISOString(),
    last_seen_at: iso(agent.lastSeenAt),
    online: connections > 0,
    connections,
  }
}

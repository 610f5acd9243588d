// Builds the hub → agent frames about channels from stored rows.
import type { Channel } from '../generated/sqlite/client.js'
import type { ChatAcceptedFrame, ChatEndedFrame, ChatRejectedFrame, ChatRequestedFrame } from '../protocol/frames.js'
import { toChannel } from '../store/mappers.js'

export function requestFrame(channel: Channel): ChatRequestedFrame {
  return {
    type: 'chat_request',
    channel_id: channel.id,
    consumer_id: channel.consumerId,
    provider_id: channel.providerId,
    service_id: channel.serviceId ?? '',
    ...(channel.requestMessage !== null ? { message: channel.requestMessage } : {}),
    created_at: channel.createdAt.toISOString(),
  }
}

export const acceptFrame = (channel: Channel): ChatAcceptedFrame => ({ type: 'chat_accept', ...toChannel(channel) })

export function rejectFrame(channel: Channel): ChatRejectedFrame {
  return {
    type: 'chat_reject',
    ...toChannel(channel),
    ...(channel.endReason !== null ? { reason: channel.endReason } : {}),
  }
}

export function endFrame(channel: Channel): ChatEndedFrame {
  return {
    type: 'chat_end',
    channel_id: channel.id,
    ended_by: channel.endedBy ?? 'admin',
    ...(channel.endReason !== null ? { reason: channel.endReason } : {}),
    ended_at: (channel.endedAt ?? new Date()).toISOString(),
  }
}

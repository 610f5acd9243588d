// Builds the hub → agent frames about channels from stored rows.
import type { Channel } from '../generated/sqlite/client.js'
import type { ChatAcceptedFrame, ChatEndedFrame, ChatRejectedFrame, ChatRequestedFrame, HubFrame } from '../protocol/frames.js'
import type { ChannelStatusValue } from '../protocol/shapes.js'
import type { RequestIdValue } from './notifier.js'
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

/** The request_id of the consumer's chat_request, kept with the channel: its answers carry it. */
export const requestIdOf = (channel: Channel): RequestIdValue | undefined =>
  channel.requestId === null ? undefined : (JSON.parse(channel.requestId) as RequestIdValue)

/** The status a channel frame tells its receiver the channel is in. */
export const STATUS_TOLD: Partial<Record<HubFrame['type'], ChannelStatusValue>> = {
  chat_request: 'pending',
  chat_accept: 'active',
  chat_reject: 'rejected',
  chat_end: 'ended',
}

/**
 * The frame that tells one of the channel's agents its current status (a pending request only
 * to its provider), as it went out live: the consumer's copy of an answer carries the request_id
 * of its chat_request.
 */
export function statusFrame(channel: Channel, agentId: string): HubFrame | undefined {
  const toConsumer = agentId === channel.consumerId
  const requestId = toConsumer ? requestIdOf(channel) : undefined
  const reply = requestId === undefined ? {} : { request_id: requestId }
  switch (channel.status) {
    case 'pending':
      return toConsumer ? undefined : requestFrame(channel)
    case 'active':
      return { ...acceptFrame(channel), ...reply }
    case 'rejected':
      return { ...rejectFrame(channel), ...reply }
    case 'ended':
      return endFrame(channel)
    default:
      return undefined
  }
}

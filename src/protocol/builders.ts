// Builds every hub → agent frame from the hub's records: one place that knows how the frames of
// hub-frames.ts are filled in, whoever sends them (the chat layer, /ws handlers, delivery).
import type { Service } from '../domain/agents.js'
import type { Channel, ChannelStatus } from '../domain/channel.js'
import type { RequestIdValue } from './frame.js'
import type {
  AckFrame,
  ChatAcceptedFrame,
  ChatEndedFrame,
  ChatRejectedFrame,
  ChatRequestedFrame,
  ErrorFrame,
  HubFrame,
  ServiceRegisteredFrame,
  WelcomeFrame,
} from './hub-frames.js'
import { toChannel, toService } from './resources.js'
import type { MessageInfo } from './shapes.js'

export const PROTOCOL_VERSION = 1

export function welcomeFrame(agentId: string, maxFrameBytes: number): WelcomeFrame {
  return {
    type: 'welcome',
    agent_id: agentId,
    protocol: PROTOCOL_VERSION,
    server_time: new Date().toISOString(),
    max_frame_bytes: maxFrameBytes,
  }
}

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

export const serviceFrame = (service: Service): ServiceRegisteredFrame => ({ type: 'register_service', ...toService(service) })

/** A stored message as its recipients get it, serialised once for all of them. */
export const messageJson = (message: MessageInfo): string => JSON.stringify({ type: 'chat_message', ...message })

/** The message's frame, or undefined for a stored message that cannot be serialised (it is skipped, not retried). */
export function deliverableJson(message: MessageInfo): string | undefined {
  try {
    return messageJson(message)
  } catch {
    return undefined
  }
}

/** The sender's receipt: the message is stored (`duplicate`: it was, before, under the same client_msg_id). */
export function ackFrame(message: MessageInfo, duplicate: boolean): AckFrame {
  return {
    type: 'ack',
    message_id: message.message_id,
    channel_id: message.channel_id,
    seq: message.seq,
    timestamp: message.timestamp,
    ...(message.client_msg_id !== undefined ? { client_msg_id: message.client_msg_id } : {}),
    ...(duplicate ? { duplicate } : {}),
  }
}

/**
 * The receipt as it goes out, answering `requestId`: byte for byte the JSON of
 * replyTo(ackFrame(message, duplicate), requestId), written a field at a time (one a message).
 */
export function ackJson(message: MessageInfo, duplicate: boolean, requestId: RequestIdValue | undefined): string {
  const json = JSON.stringify
  const { client_msg_id: clientMsgId } = message
  const head = `{"type":"ack","message_id":${json(message.message_id)},"channel_id":${json(message.channel_id)},"seq":${json(message.seq)},"timestamp":${json(message.timestamp)}`
  const tail = `${clientMsgId === undefined ? '' : `,"client_msg_id":${json(clientMsgId)}`}${duplicate ? ',"duplicate":true' : ''}`
  return `${head}${tail}${requestId === undefined ? '' : `,"request_id":${json(requestId)}`}}`
}

export function errorFrame(code: string, message: string, requestId: RequestIdValue | undefined, retryAfterMs?: number): ErrorFrame {
  return {
    type: 'error',
    code,
    message,
    ...(retryAfterMs !== undefined ? { retry_after_ms: Math.ceil(retryAfterMs) } : {}),
    ...(requestId !== undefined ? { request_id: requestId } : {}),
  }
}

/** The copy of a frame that answers a request. */
export const replyTo = <F extends HubFrame>(frame: F, requestId: RequestIdValue | undefined): F =>
  requestId === undefined ? frame : { ...frame, request_id: requestId }

/** The request_id of the consumer's chat_request, kept with the channel: its answers carry it. */
export const requestIdOf = (channel: Channel): RequestIdValue | undefined =>
  channel.requestId === null ? undefined : (JSON.parse(channel.requestId) as RequestIdValue)

const STATUS_TOLD: Partial<Record<HubFrame['type'], ChannelStatus>> = {
  chat_request: 'pending',
  chat_accept: 'active',
  chat_reject: 'rejected',
  chat_end: 'ended',
}

/** The channel a frame tells its receiver about, and the status it tells (none for other frames). */
export function statusTold(frame: HubFrame): { channelId: string; status: ChannelStatus } | undefined {
  const status = STATUS_TOLD[frame.type]
  return status && 'channel_id' in frame ? { channelId: frame.channel_id, status } : undefined
}

/**
 * The frame that tells one of the channel's agents its current status (a pending request only
 * to its provider), as it went out live: the consumer's copy of an answer carries the request_id
 * of its chat_request.
 */
export function statusFrame(channel: Channel, agentId: string): HubFrame | undefined {
  const toConsumer = agentId === channel.consumerId
  const requestId = toConsumer ? requestIdOf(channel) : undefined
  switch (channel.status) {
    case 'pending':
      return toConsumer ? undefined : requestFrame(channel)
    case 'active':
      return replyTo(acceptFrame(channel), requestId)
    case 'rejected':
      return replyTo(rejectFrame(channel), requestId)
    case 'ended':
      return endFrame(channel)
  }
}

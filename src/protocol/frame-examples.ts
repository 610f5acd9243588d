// Written examples of every /ws frame, both ways, from the conversation that runs through
// examples.ts, for the AsyncAPI document and docs/protocol.md.
import { Errors } from '../errors.js'
import { CHANNEL_EXAMPLE, EXAMPLE, HISTORY_EXAMPLE, MESSAGE_EXAMPLE, SERVICE_EXAMPLE, errorOf } from './examples.js'
import type { ClientFrameOf, ClientFrameType, HubFrame } from './frames.js'

type HubFrameType = HubFrame['type']
type HubFrameOf<T extends HubFrameType> = Extract<HubFrame, { type: T }>

/** At least one example of every client frame, named by its type. */
export const CLIENT_FRAME_EXAMPLES: { [T in ClientFrameType]: Array<ClientFrameOf<T>> } = {
  register_service: [{ type: 'register_service', service_id: EXAMPLE.service, description: EXAMPLE.description, request_id: 1 }],
  chat_request: [{ type: 'chat_request', service_id: EXAMPLE.service, message: 'Hi, I need a forecast.', request_id: 'req-7' }],
  chat_accept: [{ type: 'chat_accept', channel_id: EXAMPLE.channel, request_id: 2 }],
  chat_reject: [{ type: 'chat_reject', consumer_id: EXAMPLE.consumer, reason: 'Busy', request_id: 2 }],
  chat_message: [
    {
      type: 'chat_message',
      channel_id: EXAMPLE.channel,
      content: EXAMPLE.question,
      metadata: EXAMPLE.metadata,
      client_msg_id: EXAMPLE.clientMsgId,
    },
    { type: 'chat_message', target_agent: EXAMPLE.provider, service_id: EXAMPLE.service, content: EXAMPLE.question },
  ],
  chat_end: [{ type: 'chat_end', channel_id: EXAMPLE.channel, reason: EXAMPLE.reason }],
  chat_history: [{ type: 'chat_history', channel_id: EXAMPLE.channel, limit: 50, after_seq: 0, request_id: 'hist-1' }],
  resume: [{ type: 'resume', channels: [{ channel_id: EXAMPLE.channel, last_seq: 1 }] }],
  ping: [{ type: 'ping', request_id: 99 }],
  pong: [{ type: 'pong' }],
}

/** At least one example of every hub frame, named by its type. */
export const HUB_FRAME_EXAMPLES: { [T in HubFrameType]: Array<HubFrameOf<T>> } = {
  welcome: [{ type: 'welcome', agent_id: EXAMPLE.consumer, protocol: 1, server_time: EXAMPLE.openedAt, max_frame_bytes: 1_048_576 }],
  register_service: [{ type: 'register_service', ...SERVICE_EXAMPLE, request_id: 1 }],
  chat_request: [
    {
      type: 'chat_request',
      channel_id: EXAMPLE.channel,
      consumer_id: EXAMPLE.consumer,
      provider_id: EXAMPLE.provider,
      service_id: EXAMPLE.service,
      message: 'Hi, I need a forecast.',
      created_at: EXAMPLE.openedAt,
    },
  ],
  chat_accept: [{ type: 'chat_accept', ...CHANNEL_EXAMPLE, last_seq: 0, request_id: 'req-7' }],
  chat_reject: [
    {
      type: 'chat_reject',
      ...CHANNEL_EXAMPLE,
      status: 'rejected',
      last_seq: 0,
      ended_at: EXAMPLE.openedAt,
      end_reason: 'Busy',
      ended_by: EXAMPLE.provider,
      reason: 'Busy',
      request_id: 'req-7',
    },
  ],
  chat_message: [{ type: 'chat_message', ...MESSAGE_EXAMPLE }],
  ack: [
    {
      type: 'ack',
      message_id: EXAMPLE.message,
      channel_id: EXAMPLE.channel,
      seq: 1,
      timestamp: EXAMPLE.sentAt,
      client_msg_id: EXAMPLE.clientMsgId,
    },
  ],
  chat_end: [
    { type: 'chat_end', channel_id: EXAMPLE.channel, ended_by: EXAMPLE.consumer, reason: EXAMPLE.reason, ended_at: EXAMPLE.endedAt },
  ],
  chat_history: [{ type: 'chat_history', ...HISTORY_EXAMPLE, request_id: 'hist-1' }],
  resume: [{ type: 'resume', replayed: 1 }],
  pong: [{ type: 'pong', server_time: EXAMPLE.repliedAt, request_id: 99 }],
  error: [{ type: 'error', ...errorOf(new Errors.ChannelNotActive(EXAMPLE.channel, 'ended')), request_id: 'req-8' }],
}

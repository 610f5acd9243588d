// Which frames answer which, and which copies of an answer carry the request's request_id: the
// copy on the connection the request came in on, or every copy to one agent (the consumer's
// answer to its chat_request, which may come long after, on any of its connections).
import type { RequestIdValue } from './frame.js'
import type { ClientFrameType, HubFrame } from './frames.js'

type HubFrameType = HubFrame['type']

/** The hub's answers to each client frame; any frame may also be answered with `error`. */
export const REPLIES: { [T in ClientFrameType]: HubFrameType[] } = {
  register_service: ['register_service'],
  chat_request: ['chat_accept', 'chat_reject'],
  chat_accept: ['chat_accept'],
  chat_reject: ['chat_reject'],
  chat_message: ['ack'],
  chat_end: ['chat_end'],
  chat_history: ['chat_history'],
  resume: ['resume'],
  ping: ['pong'],
  pong: [],
}

/** Frames the hub sends without being asked: to the other side of a channel, or on connect. */
export const EVENTS: HubFrameType[] = ['welcome', 'chat_request', 'chat_accept', 'chat_reject', 'chat_message', 'chat_end']

/** A copy of the frame that answers a request: on one connection, or on all of one agent's. */
export type Reply = { connectionId: string; requestId: RequestIdValue } | { agentId: string; requestId: RequestIdValue }

/** Where a request came from, so that its reply carries the request_id. */
export interface Origin {
  connectionId: string
  requestId?: RequestIdValue | undefined
}

/** The reply owed to the connection a request came in on (none without a request_id). */
export function originReply(origin: Origin | undefined): Reply[] {
  return origin?.requestId === undefined ? [] : [{ connectionId: origin.connectionId, requestId: origin.requestId }]
}

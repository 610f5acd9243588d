// Which copies of a frame answer a request, and so carry its request_id: the copy on the
// connection the request came in on, or every copy to one agent (the consumer's answer to its
// chat_request, which may come long after, on any of its connections).
import type { RequestIdValue } from './frame.js'

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

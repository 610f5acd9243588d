// What the chat layer needs to reach agents: send a frame to every connection of some agents,
// with request_id set on the copies that answer a request.
import type { Static } from '@sinclair/typebox'
import type { HubFrame, RequestId } from '../protocol/frames.js'

export type RequestIdValue = Static<typeof RequestId>

/** A copy of the frame that answers a request: on one connection, or on all of one agent's. */
export type Reply = { connectionId: string; requestId: RequestIdValue } | { agentId: string; requestId: RequestIdValue }

export interface Notifier {
  notify(agentIds: string[], frame: HubFrame, replies?: Reply[]): void
}

/** Who is acting: an agent (over /ws or REST) or the operator. */
export type Actor = { kind: 'agent'; agentId: string } | { kind: 'admin' }

/** Where a request came from, so that its reply carries the request_id. */
export interface Origin {
  connectionId: string
  requestId?: RequestIdValue | undefined
}

export const asAgent = (agentId: string): Actor => ({ kind: 'agent', agentId })
export const ADMIN: Actor = { kind: 'admin' }

export function originReply(origin: Origin | undefined): Reply[] {
  return origin?.requestId === undefined ? [] : [{ connectionId: origin.connectionId, requestId: origin.requestId }]
}

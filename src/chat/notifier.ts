// What the chat layer needs to reach agents: send a frame to every connection of some agents,
// with request_id set on the copies that answer a request.
import type { HubFrame } from '../protocol/frames.js'
import type { Reply } from '../protocol/replies.js'

export interface Notifier {
  notify(agentIds: string[], frame: HubFrame, replies?: Reply[]): void
}

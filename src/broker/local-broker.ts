// The broker of a hub that runs alone: a publication goes straight to the handler, presence is
// the handler's own count, and the locks and connection slots are this process's.
import { KeyedLock } from '../lib/keyed-lock.js'
import { SlotCounts } from '../lib/slot-counts.js'
import type { CloseCode } from '../protocol/close-codes.js'
import type { HubFrame } from '../protocol/frames.js'
import type { Reply } from '../protocol/replies.js'
import type { StoredMessage } from '../store/index.js'
import { NO_AGENTS, type Broker, type BrokerHandler, type CredentialsListener } from './broker.js'

export class LocalBroker implements Broker {
  readonly locks = new KeyedLock()
  private handler: BrokerHandler = NO_AGENTS
  private readonly credentialListeners: CredentialsListener[] = []
  private readonly counters = new Map<string, SlotCounts>()

  slots(limit: string): SlotCounts {
    const counter = this.counters.get(limit) ?? new SlotCounts()
    this.counters.set(limit, counter)
    return counter
  }

  start(handler: BrokerHandler): Promise<void> {
    this.handler = handler
    return Promise.resolve()
  }

  publishMessages(batch: StoredMessage[]): void {
    this.handler.messages(batch)
  }

  publishFrame(agentIds: string[], frame: HubFrame, replies: Reply[] = []): void {
    this.handler.frame(agentIds, frame, replies)
  }

  publishClose(agentId: string, code: CloseCode, reason: string): void {
    this.handler.close(agentId, code, reason)
  }

  publishCredentialsChanged(agentId: string): void {
    for (const listener of this.credentialListeners) listener(agentId)
  }

  onCredentialsChanged(listener: CredentialsListener): void {
    this.credentialListeners.push(listener)
  }

  present(): Promise<void> {
    return Promise.resolve()
  }

  connections(agentIds: string[]): Promise<Map<string, number>> {
    return Promise.resolve(new Map(agentIds.map((id) => [id, this.handler.connectionsOf(id)])))
  }

  readiness(): { redis?: 'up' | 'down' } {
    return {}
  }

  close(): Promise<void> {
    this.handler = NO_AGENTS
    return Promise.resolve()
  }
}

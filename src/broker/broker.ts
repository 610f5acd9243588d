// How the hub reaches agents wherever they are connected. The hub publishes committed messages,
// frames and closes through a Broker; the broker calls the hub's BrokerHandler back with what
// is for the agents connected to this instance, this instance's own publications included (the
// split centrifuge makes between its Broker and BrokerEventHandler). One instance runs on the
// LocalBroker; several share a Redis through the RedisBroker. A broker knows agents by id only:
// connections, delivery order and the router stay on the handler's side.
import type { Locks } from '../lib/keyed-lock.js'
import type { SlotCounter } from '../lib/slot-counts.js'
import type { CloseCode } from '../protocol/close-codes.js'
import type { HubFrame } from '../protocol/frames.js'
import type { Reply } from '../protocol/replies.js'
import type { StoredMessage } from '../store/index.js'

/** Hears that an agent's credentials changed, or (undefined) that changes may have been missed. */
export type CredentialsListener = (agentId: string | undefined) => void

export interface Broker {
  /** Starts calling the handler back; resolves once publications from every instance arrive (or it stopped waiting). */
  start(handler: BrokerHandler): Promise<void>
  /** A committed batch, for its recipients' connections on every instance. */
  publishMessages(batch: StoredMessage[]): void
  /**
   * A frame for these agents' connections on every instance. `replies` name the copies that
   * answer a request: a reply to one connection stays on this instance, where the request came in.
   */
  publishFrame(agentIds: string[], frame: HubFrame, replies?: Reply[]): void
  /** Closes the agent's connections on every instance (its credentials changed). */
  publishClose(agentId: string, code: CloseCode, reason: string): void
  /** The agent's credentials changed: every instance's listeners hear it (this one's at once). */
  publishCredentialsChanged(agentId: string): void
  /** Hears every instance's credential changes; with no agent: some may have been missed. */
  onCredentialsChanged(listener: CredentialsListener): void
  /**
   * The agent now has `connections` connections here; `arrived`: the first of them just opened.
   * Then it resolves once publications for the agent from anywhere reach this instance (from then
   * on, a read of the store misses nothing that is not on its way), or once that could not be had
   * in time and the instance catches up from the store instead.
   */
  present(agentId: string, connections: number, arrived: boolean): Promise<void>
  /** The agents' open connections, on every instance. */
  connections(agentIds: string[]): Promise<Map<string, number>>
  /** Serialise the work on one key (a pair of agents) across every instance. */
  readonly locks: Locks
  /** Counts the slots of a connection limit (named by its setting, in lower case) across every instance. */
  slots(limit: string): SlotCounter
  /** What readiness reports of the broker: Redis up or down, nothing for one instance. */
  readiness(): { redis?: 'up' | 'down' }
  /** Leaves the other instances and releases what the broker holds. */
  close(): Promise<void>
}

/** What a broker calls back, for the agents connected to this instance. */
export interface BrokerHandler {
  /** Delivers a committed batch to the recipients' connections. */
  messages(batch: StoredMessage[]): void
  /** Sends a frame to the agents' connections (and the replies to theirs). */
  frame(agentIds: string[], frame: HubFrame, replies: Reply[]): void
  /** Closes the agent's connections. */
  close(agentId: string, code: CloseCode, reason: string): void
  /** Publications may have been lost: delivers from the store what the agents here lack. */
  catchUp(): Promise<void>
  /** The agents connected here. */
  agents(): string[]
  /** How many connections the agent has here. */
  connectionsOf(agentId: string): number
}

/** The handler of a broker not started yet: no agent is connected. */
export const NO_AGENTS: BrokerHandler = {
  messages: () => undefined,
  frame: () => undefined,
  close: () => undefined,
  catchUp: () => Promise.resolve(),
  agents: () => [],
  connectionsOf: () => 0,
}

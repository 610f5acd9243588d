// Which agents are connected to this instance, and getting to their connections what the broker
// brings: committed messages (serialised once per message, whatever the number of connections),
// frames (with request_id on the copies that answer a request) and closes. The broker learns of
// every agent that arrives or leaves here.
import type { Broker, BrokerHandler } from '../broker/broker.js'
import type { Deliveries } from '../delivery/deliveries.js'
import type { Delivery } from '../delivery/delivery.js'
import type { LocalDeliveries } from '../delivery/recovery.js'
import { deliverableJson, replyTo } from '../protocol/builders.js'
import type { CloseCode } from '../protocol/close-codes.js'
import type { HubFrame, RequestIdValue } from '../protocol/frames.js'
import type { Reply } from '../protocol/replies.js'
import type { StoredMessage } from '../store/index.js'
import type { Connection } from './connection.js'

export class Router implements BrokerHandler, LocalDeliveries {
  private readonly byAgent = new Map<string, Set<Connection>>()
  private readonly byId = new Map<string, Connection>()
  /** Per agent connected here: settles once the other instances' frames for it reach this one. */
  private readonly attached = new Map<string, Promise<void>>()

  constructor(
    private readonly broker: Broker,
    private readonly delivery: Delivery,
  ) {}

  add(connection: Connection): void {
    this.byId.set(connection.id, connection)
    const set = this.byAgent.get(connection.agentId) ?? new Set()
    set.add(connection)
    this.byAgent.set(connection.agentId, set)
    const present = this.broker.present(connection.agentId, set.size, set.size === 1)
    if (set.size === 1) this.attached.set(connection.agentId, present)
  }

  /** Settles once frames for the agent from every instance reach this one. */
  async reachable(agentId: string): Promise<void> {
    await this.attached.get(agentId)
  }

  remove(connection: Connection): void {
    this.byId.delete(connection.id)
    const set = this.byAgent.get(connection.agentId)
    if (!set?.delete(connection)) return
    if (set.size === 0) {
      this.byAgent.delete(connection.agentId)
      this.attached.delete(connection.agentId)
    }
    void this.broker.present(connection.agentId, set.size, false)
  }

  /** How many connections the agent has on this instance. */
  connectionsOf(agentId: string): number {
    return this.byAgent.get(agentId)?.size ?? 0
  }

  /** The agents connected to this instance. */
  agents(): string[] {
    return [...this.byAgent.keys()]
  }

  deliveriesOf(agentId: string): Deliveries[] {
    return [...(this.byAgent.get(agentId) ?? [])].map((connection) => connection.deliveries)
  }

  get size(): number {
    return this.byId.size
  }

  all(): Connection[] {
    return [...this.byId.values()]
  }

  close(agentId: string, code: CloseCode, reason: string): void {
    for (const connection of this.byAgent.get(agentId) ?? []) connection.close(code, reason)
  }

  frame(agentIds: string[], frame: HubFrame, replies: Reply[]): void {
    const targets = new Map<Connection, RequestIdValue | undefined>()
    for (const agentId of agentIds) for (const connection of this.byAgent.get(agentId) ?? []) targets.set(connection, undefined)
    for (const reply of replies) {
      const connections =
        'connectionId' in reply ? [this.byId.get(reply.connectionId)] : [...(this.byAgent.get(reply.agentId) ?? [])]
      for (const connection of connections) if (connection) targets.set(connection, reply.requestId)
    }
    let plain: string | undefined
    for (const [connection, requestId] of targets) {
      const json = requestId === undefined ? (plain ??= JSON.stringify(frame)) : JSON.stringify(replyTo(frame, requestId))
      connection.deliveries.tell(frame, json)
    }
  }

  /** Delivers a batch, in commit order, to the recipients' connections on this instance. */
  messages(batch: StoredMessage[]): void {
    for (const { message, recipientId, recipientRole, previousSeq } of batch) {
      const connections = this.byAgent.get(recipientId)
      if (!connections) continue
      const json = deliverableJson(message)
      for (const connection of connections) connection.deliveries.deliver(message, json, recipientRole, previousSeq)
    }
  }

  catchUp(): Promise<void> {
    return this.delivery.catchUp(this)
  }
}

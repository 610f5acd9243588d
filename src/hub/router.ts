// Which agents are connected where, and getting frames to them: notifications with request_id
// on the copies that answer a request, and stored messages to their recipients (serialised once
// per message, whatever the number of connections). With other hub instances (Peers), every
// frame also goes to them, for the agents' connections there; what they send arrives through
// the *Here methods.
import type { Notifier } from '../chat/notifier.js'
import type { Role } from '../domain/channel.js'
import { messageJson, replyTo, statusTold } from '../protocol/builders.js'
import type { CloseCode } from '../protocol/close-codes.js'
import type { HubFrame, RequestIdValue } from '../protocol/frames.js'
import type { Reply } from '../protocol/replies.js'
import type { MessageInfo } from '../protocol/shapes.js'
import type { DeliveryCursors } from '../store/delivery-cursors.js'
import type { StoredMessage } from '../store/index.js'
import type { Connection, Sent } from './connection.js'

/** The other hub instances, reached through a broker. */
export interface Peers {
  /** A committed batch, for its recipients connected elsewhere. */
  publishMessages(batch: StoredMessage[]): void
  /** A frame for these agents; `requestIds` names the agents whose copy answers their request. */
  publishFrame(agentIds: string[], frame: HubFrame, requestIds: Map<string, RequestIdValue>): void
  /** Closes the agent's connections elsewhere (its credentials changed). */
  publishClose(agentId: string, code: CloseCode, reason: string): void
  /**
   * The agent now has this many connections here; `arrived`: the first of them just opened. Then
   * it resolves once frames for it published anywhere reach this instance (from then on, a read
   * of the store misses nothing that is not on its way), or once that could not be had in time
   * and the instance catches up from the store instead.
   */
  present(agentId: string, connections: number, arrived: boolean): Promise<void>
}

export class Router implements Notifier {
  private readonly byAgent = new Map<string, Set<Connection>>()
  private readonly byId = new Map<string, Connection>()
  private peers: Peers | undefined
  /** Per agent connected here: settles once the other instances' frames for it reach this one. */
  private readonly attached = new Map<string, Promise<void>>()

  constructor(
    private readonly cursors: DeliveryCursors,
    private readonly onDelivered: () => void,
  ) {}

  /** From now on, frames also go to the other hub instances. */
  connectPeers(peers: Peers): void {
    this.peers = peers
  }

  add(connection: Connection): void {
    this.byId.set(connection.id, connection)
    const set = this.byAgent.get(connection.agentId) ?? new Set()
    set.add(connection)
    this.byAgent.set(connection.agentId, set)
    const present = this.peers?.present(connection.agentId, set.size, set.size === 1)
    if (present && set.size === 1) this.attached.set(connection.agentId, present)
  }

  /** Settles once frames for the agent from every instance reach this one (at once without peers). */
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
    void this.peers?.present(connection.agentId, set.size, false)
  }

  /** How many connections the agent has on this instance. */
  connectionsOf(agentId: string): number {
    return this.byAgent.get(agentId)?.size ?? 0
  }

  agentConnections(agentId: string): Connection[] {
    return [...(this.byAgent.get(agentId) ?? [])]
  }

  /** The agents connected to this instance. */
  agents(): string[] {
    return [...this.byAgent.keys()]
  }

  get size(): number {
    return this.byId.size
  }

  all(): Connection[] {
    return [...this.byId.values()]
  }

  /** Closes every connection of the agent, on every instance (its credentials changed). */
  disconnectAgent(agentId: string, code: CloseCode, reason: string): void {
    this.disconnectHere(agentId, code, reason)
    this.peers?.publishClose(agentId, code, reason)
  }

  disconnectHere(agentId: string, code: CloseCode, reason: string): void {
    for (const connection of this.agentConnections(agentId)) connection.close(code, reason)
  }

  notify(agentIds: string[], frame: HubFrame, replies: Reply[] = []): void {
    this.notifyHere(agentIds, frame, replies)
    if (!this.peers) return
    // A reply to one connection stays here: the request came in on it.
    const requestIds = new Map<string, RequestIdValue>()
    for (const reply of replies) if ('agentId' in reply) requestIds.set(reply.agentId, reply.requestId)
    const targets = new Set([...agentIds, ...requestIds.keys()])
    if (targets.size > 0) this.peers.publishFrame([...targets], frame, requestIds)
  }

  notifyHere(agentIds: string[], frame: HubFrame, replies: Reply[] = []): void {
    const targets = new Map<Connection, RequestIdValue | undefined>()
    for (const agentId of agentIds) for (const connection of this.byAgent.get(agentId) ?? []) targets.set(connection, undefined)
    for (const reply of replies) {
      const connections =
        'connectionId' in reply ? [this.byId.get(reply.connectionId)] : [...(this.byAgent.get(reply.agentId) ?? [])]
      for (const connection of connections) if (connection) targets.set(connection, reply.requestId)
    }
    const told = statusTold(frame)
    let plain: string | undefined
    for (const [connection, requestId] of targets) {
      if (told) connection.told(told.channelId, told.status)
      if (requestId === undefined) connection.send((plain ??= JSON.stringify(frame)))
      else connection.send(JSON.stringify(replyTo(frame, requestId)))
    }
  }

  /** Delivers a committed batch to every connection of each recipient, here and elsewhere. */
  deliver(batch: StoredMessage[]): void {
    this.deliverHere(batch)
    this.peers?.publishMessages(batch)
  }

  /** Delivers a batch, in commit order, to the recipients' connections on this instance. */
  deliverHere(batch: StoredMessage[]): void {
    for (const { message, recipientId, recipientRole, previousSeq } of batch) {
      const connections = this.byAgent.get(recipientId)
      if (!connections) continue
      const json = messageJson(message)
      for (const connection of connections) {
        connection.deliver(message, json, recipientRole, previousSeq, this.sentCallback(message, recipientRole))
      }
    }
  }

  /** Advances the recipient's delivery cursor once the message has left for the network. */
  sentCallback(message: MessageInfo, role: Role): Sent {
    return (error) => {
      if (error) return
      this.cursors.advance(message.channel_id, role, message.seq)
      this.onDelivered()
    }
  }
}

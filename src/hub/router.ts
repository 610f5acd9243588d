// Which agents are connected where, and getting frames to them: notifications with request_id
// on the copies that answer a request, and stored messages to their recipients (serialised once
// per message, whatever the number of connections).
import type { Reply, Notifier } from '../chat/notifier.js'
import type { CloseCode } from '../protocol/close-codes.js'
import type { HubFrame } from '../protocol/frames.js'
import type { MessageInfo } from '../protocol/shapes.js'
import type { DeliveryCursors } from '../store/delivery-cursors.js'
import type { Role, StoredMessage } from '../store/index.js'
import type { Connection } from './connection.js'

export const messageJson = (message: MessageInfo): string => JSON.stringify({ type: 'chat_message', ...message })

export class Router implements Notifier {
  private readonly byAgent = new Map<string, Set<Connection>>()
  private readonly byId = new Map<string, Connection>()

  constructor(
    private readonly cursors: DeliveryCursors,
    private readonly onDelivered: () => void,
  ) {}

  add(connection: Connection): void {
    this.byId.set(connection.id, connection)
    const set = this.byAgent.get(connection.agentId) ?? new Set()
    set.add(connection)
    this.byAgent.set(connection.agentId, set)
  }

  remove(connection: Connection): void {
    this.byId.delete(connection.id)
    const set = this.byAgent.get(connection.agentId)
    set?.delete(connection)
    if (set?.size === 0) this.byAgent.delete(connection.agentId)
  }

  connectionsOf(agentId: string): number {
    return this.byAgent.get(agentId)?.size ?? 0
  }

  get size(): number {
    return this.byId.size
  }

  all(): Connection[] {
    return [...this.byId.values()]
  }

  /** Closes every connection of the agent (its credentials changed). */
  disconnectAgent(agentId: string, code: CloseCode, reason: string): number {
    const connections = [...(this.byAgent.get(agentId) ?? [])]
    for (const connection of connections) connection.close(code, reason)
    return connections.length
  }

  notify(agentIds: string[], frame: HubFrame, replies: Reply[] = []): void {
    const targets = new Map<Connection, Reply['requestId'] | undefined>()
    for (const agentId of agentIds) for (const connection of this.byAgent.get(agentId) ?? []) targets.set(connection, undefined)
    for (const reply of replies) {
      const connections =
        'connectionId' in reply ? [this.byId.get(reply.connectionId)] : [...(this.byAgent.get(reply.agentId) ?? [])]
      for (const connection of connections) if (connection) targets.set(connection, reply.requestId)
    }
    let plain: string | undefined
    for (const [connection, requestId] of targets) {
      if (requestId === undefined) connection.send((plain ??= JSON.stringify(frame)))
      else connection.send(JSON.stringify({ ...frame, request_id: requestId }))
    }
  }

  /** Delivers a committed batch, in commit order, to every connection of each recipient. */
  deliver(batch: StoredMessage[]): void {
    for (const { message, recipientId, recipientRole } of batch) {
      const connections = this.byAgent.get(recipientId)
      if (!connections) continue
      const json = messageJson(message)
      for (const connection of connections) connection.deliver(message, json, this.sentCallback(message, recipientRole))
    }
  }

  /** Advances the recipient's delivery cursor once the message has left for the network. */
  sentCallback(message: MessageInfo, role: Role): (error?: Error) => void {
    return (error) => {
      if (error) return
      this.cursors.advance(message.channel_id, role, message.seq)
      this.onDelivered()
    }
  }
}

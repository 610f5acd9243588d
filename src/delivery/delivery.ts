// Delivery for the whole instance: it opens each new connection's deliveries (recovering from
// the store, advancing the delivery cursors as messages leave), replays backlogs and catches
// connected agents up. The /ws side holds one and hands it its connections.
import type { Store } from '../store/index.js'
import { Deliveries } from './deliveries.js'
import type { Outlet } from './ports.js'
import { catchUp, replayBacklog, storedMessages, type LocalDeliveries } from './recovery.js'

export interface DeliveryHooks {
  /** A message stored at `storedAt` (ISO 8601) was written to a recipient's socket. */
  delivered(storedAt: string): void
  /** A live message waited for earlier ones read from the store. */
  gap(): void
  /** A stored message could not be serialised and was skipped. */
  undeliverable(channelId: string, seq: number): void
}

export class Delivery {
  constructor(
    private readonly store: Store,
    private readonly hooks: DeliveryHooks,
  ) {}

  /** A new connection's deliveries: live messages wait until its backlog is replayed. */
  open(agentId: string, outlet: Outlet): Deliveries {
    const { store, hooks } = this
    return new Deliveries(agentId, outlet, (channelId) => storedMessages(store, channelId, agentId), {
      delivered: (channelId, role, seq, storedAt) => {
        store.cursors.advance(channelId, role, seq)
        hooks.delivered(storedAt)
      },
      gap: () => hooks.gap(),
      undeliverable: (channelId, seq) => hooks.undeliverable(channelId, seq),
    })
  }

  /** Replays what the connection missed (from the client's cursors, where it names them) and goes live. */
  replay(deliveries: Deliveries, reachable: Promise<void>, clientCursors?: Map<string, number>): Promise<number> {
    return replayBacklog(deliveries, this.store, reachable, clientCursors)
  }

  /** Delivers from the store what the agents connected here may have missed. */
  catchUp(local: LocalDeliveries): Promise<void> {
    return catchUp(this.store, local)
  }
}

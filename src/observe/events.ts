// What happens on this hub instance, as it happens, for the console's live view: connections
// opening and closing, channel changes (the frames the chat layer publishes), and committed
// messages. Listeners are called synchronously and must not throw; a slow one is the listener's
// problem (the console's stream buffers and drops, see plugins/console.ts).
import type { MessageInfo } from '../protocol/shapes.js'

export type HubEvent =
  | { kind: 'presence'; agent_id: string; change: 'connected' | 'closed'; connections: number }
  | { kind: 'channel'; channel_id: string; change: string }
  | { kind: 'message'; message: MessageInfo }

export type HubListener = (event: HubEvent) => void

export class HubEvents {
  private readonly listeners = new Set<HubListener>()

  /** Starts calling `listener` with every event; returns what stops it. */
  listen(listener: HubListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  get listened(): boolean {
    return this.listeners.size > 0
  }

  emit(event: HubEvent): void {
    for (const listener of this.listeners) listener(event)
  }
}

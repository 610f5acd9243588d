// What delivery needs from the world around it, so that its rules run (and are tested) without
// a socket or a database: an Outlet (the connection), a Recover source (the store), events to
// report to (the delivery cursors, metrics), and a budget of what one connection may hold back.
import type { Role } from '../domain/channel.js'
import type { MessageInfo } from '../protocol/shapes.js'

export type Sent = (error?: Error) => void

/** The connection, as delivery sees it. */
export interface Outlet {
  /** Writes a frame; `onSent` hears once it has left for the network (with an error: it never will). */
  send(json: string, onSent?: Sent): void
  /** False once the socket is closing: nothing more goes out, its client resumes from the store. */
  readonly isOpen: boolean
  /** Half-way to the high-water mark: recovery waits for its writes before it sends more. */
  readonly congested: boolean
  /** Settles when the socket has closed. */
  readonly gone: Promise<void>
  /** Closes the connection for holding back too much: it is too slow to keep, and resumes from the store. */
  dropSlow(): void
  /** Closes the connection because the store could not be read, so order cannot be kept: it resumes. */
  fail(): void
}

/** The recipient's messages of the channel in (after, through] (through omitted: to the newest), oldest first. */
export type Recover = (after: number, through?: number) => AsyncIterable<MessageInfo>

export interface DeliveryEvents {
  /** A message (stored at `storedAt`, ISO 8601) has left for the network: the recipient's delivery cursor may move on. */
  delivered(channelId: string, role: Role, seq: number, storedAt: string): void
  /** A live message waits for earlier ones recovered from the store. */
  gap(): void
  /** A stored message could not be serialised: the recipient was told, and delivery went on past it. */
  undeliverable(channelId: string, seq: number): void
}

/** Live messages one connection may hold back, over all its channels (while it replays or fills gaps). */
export class HeldBudget {
  private held = 0
  constructor(private readonly max = 10_000) {}

  /** Counts one more; false when that is more than the connection may hold. */
  take(): boolean {
    return ++this.held <= this.max
  }

  give(count: number): void {
    this.held -= count
  }
}

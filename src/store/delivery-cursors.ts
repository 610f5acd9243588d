// How far each agent has been sent each channel. Advanced in memory as messages leave for a
// socket and written back in the background, so delivery never waits on a query; a cursor lost
// in a crash only makes the hub send a message again, which clients drop by seq.
import type { Role } from '../domain/channel.js'
import type { Cursor, MessageLog } from './message-log.js'

const FLUSH_INTERVAL_MS = 250

/** Where a channel's two cursors are to move (0: that one has not moved). */
type Moves = Record<Role, number>

export class DeliveryCursors {
  /** By channel: advanced on every message delivered, so kept one entry a channel. */
  private dirty = new Map<string, Moves>()
  /** Being written: still the hub's knowledge until the database has it. */
  private saving = new Map<string, Moves>()
  private flushing: Promise<void> | null = null
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly log: MessageLog,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref()
  }

  advance(channelId: string, role: Role, seq: number): void {
    const moves = this.dirty.get(channelId)
    if (!moves) this.dirty.set(channelId, role === 'provider' ? { provider: seq, consumer: 0 } : { provider: 0, consumer: seq })
    else if (moves[role] < seq) moves[role] = seq
  }

  /** The cursor not yet written back (or being written), if any. */
  unsaved(channelId: string, role: Role): number {
    return Math.max(this.dirty.get(channelId)?.[role] ?? 0, this.saving.get(channelId)?.[role] ?? 0)
  }

  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = null))
    return this.flushing
  }

  async close(): Promise<void> {
    clearInterval(this.timer)
    await this.flushing
    await this.flush()
  }

  private async write(): Promise<void> {
    if (this.dirty.size === 0) return
    this.saving = this.dirty
    this.dirty = new Map()
    const cursors: Cursor[] = []
    for (const [channelId, moves] of this.saving) {
      for (const role of ROLES) if (moves[role] > 0) cursors.push({ channelId, role, seq: moves[role] })
    }
    try {
      await this.log.saveCursors(cursors)
    } catch (error) {
      for (const { channelId, role, seq } of cursors) this.advance(channelId, role, seq)
      this.onError(error)
    } finally {
      this.saving = new Map()
    }
  }
}

const ROLES: Role[] = ['provider', 'consumer']

// How far each agent has been sent each channel. Advanced in memory as messages leave for a
// socket and written back in the background, so delivery never waits on a query; a cursor lost
// in a crash only makes the hub send a message again, which clients drop by seq.
import type { Role } from './channels.js'
import type { MessageLog } from './message-log.js'

const FLUSH_INTERVAL_MS = 250

export class DeliveryCursors {
  private dirty = new Map<string, { channelId: string; role: Role; seq: number }>()
  private flushing: Promise<void> | null = null
  private readonly timer: NodeJS.Timeout

  constructor(
    private readonly log: MessageLog,
    private readonly onError: (error: unknown) => void,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref()
  }

  advance(channelId: string, role: Role, seq: number): void {
    const key = `${channelId}/${role}`
    const current = this.dirty.get(key)
    if (!current || current.seq < seq) this.dirty.set(key, { channelId, role, seq })
  }

  /** The cursor not yet written back, if any. */
  unsaved(channelId: string, role: Role): number {
    return this.dirty.get(`${channelId}/${role}`)?.seq ?? 0
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
    const entries = [...this.dirty.values()]
    this.dirty.clear()
    try {
      await this.log.saveCursors(entries)
    } catch (error) {
      for (const entry of entries) this.advance(entry.channelId, entry.role, entry.seq)
      this.onError(error)
    }
  }
}

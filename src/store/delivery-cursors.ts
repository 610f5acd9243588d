// How far each agent has been sent each channel. Advanced in memory as messages leave for a
// socket and written back in the background, so delivery never waits on a query; a cursor lost
// in a crash only makes the hub send a message again, which clients drop by seq.
import type { Role } from '../domain/channel.js'
import type { MessageLog } from './message-log.js'

const FLUSH_INTERVAL_MS = 250

type Entry = { channelId: string; role: Role; seq: number }

export class DeliveryCursors {
  private dirty = new Map<string, Entry>()
  /** Being written: still the hub's knowledge until the database has it. */
  private saving = new Map<string, Entry>()
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

  /** The cursor not yet written back (or being written), if any. */
  unsaved(channelId: string, role: Role): number {
    const key = `${channelId}/${role}`
    return Math.max(this.dirty.get(key)?.seq ?? 0, this.saving.get(key)?.seq ?? 0)
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
    try {
      await this.log.saveCursors([...this.saving.values()])
    } catch (error) {
      for (const entry of this.saving.values()) this.advance(entry.channelId, entry.role, entry.seq)
      this.onError(error)
    } finally {
      this.saving = new Map()
    }
  }
}

// The channel rows as this process's batches last left them (KnownChannels), so that a batch on
// channels it wrote before can skip reading them under their lock: its one statement checks under
// the lock that each row is still as known. Only the writer moves a row's seqs, and a channel's
// parties never change, so a row stays as known until another instance writes to the channel or
// the channel ends; the check then fails, the batch reads the rows after all, and the channel is
// not trusted for a while, so that a channel two instances write to does not fail every check.
import type { ChannelRow } from './write-batch.js'
import type { KnownChannels } from './write-pipeline.js'

/** Channels remembered at most (the least recently written are forgotten first). */
const MAX_CHANNELS = 10_000
/** How long a channel found not as known is read under its lock before being trusted again. */
const DISTRUST_MS = 10_000

export class ChannelCache implements KnownChannels {
  private readonly known = new Map<string, ChannelRow>()
  private readonly distrusted = new Map<string, number>()

  rows(ids: string[]): Map<string, ChannelRow> | undefined {
    const rows = new Map<string, ChannelRow>()
    for (const id of ids) {
      const row = this.known.get(id)
      if (row === undefined) return undefined
      rows.set(id, row)
    }
    return rows
  }

  committed(rows: ChannelRow[]): void {
    const now = performance.now()
    for (const row of rows) {
      const until = this.distrusted.get(row.id)
      if (until !== undefined) {
        if (until > now) continue
        this.distrusted.delete(row.id)
      }
      // Deleted first, so that the map's order is the order of last writes.
      this.known.delete(row.id)
      this.known.set(row.id, row)
    }
    trim(this.known)
  }

  stale(ids: string[]): void {
    const until = performance.now() + DISTRUST_MS
    for (const id of ids) {
      this.known.delete(id)
      this.distrusted.delete(id)
      this.distrusted.set(id, until)
    }
    trim(this.distrusted)
  }
}

function trim(map: Map<string, unknown>): void {
  for (const key of map.keys()) {
    if (map.size <= MAX_CHANNELS) return
    map.delete(key)
  }
}

// The hub-wide budgets of /ws connections, checked by a sweep every SWEEP_MS: a message sent in
// fragments may stay unfinished only FRAGMENT_TIMEOUT_MS (its fragments are held in memory until
// the last one), and all connections together may hold MAX_TOTAL_BUFFERED_BYTES (unsent frames
// and unfinished messages): past it, the connections holding most are closed until the rest fits.
import { CloseCode } from '../protocol/close-codes.js'
import type { Connection } from './connection.js'

export const SWEEP_MS = 250

export interface BudgetOptions {
  fragmentTimeoutMs: number
  maxTotalBufferedBytes: number
  onBreach: (limit: 'fragment_timeout_ms' | 'max_total_buffered_bytes') => void
  now?: () => number
}

export class ConnectionBudgets {
  /** Since when each connection has had an unfinished fragmented message. */
  private readonly unfinishedSince = new WeakMap<Connection, number>()

  constructor(private readonly options: BudgetOptions) {}

  sweep(connections: Connection[]): void {
    const now = this.options.now?.() ?? performance.now()
    let total = 0
    const holding: Array<[Connection, number]> = []
    for (const connection of connections) {
      if (!connection.isOpen) continue
      // A socket the hub stopped reading (backpressure) cannot finish its message: its clock waits too.
      if (connection.unfinishedBytes === 0 || connection.readingPaused) this.unfinishedSince.delete(connection)
      else {
        const since = this.unfinishedSince.get(connection) ?? now
        this.unfinishedSince.set(connection, since)
        if (now - since >= this.options.fragmentTimeoutMs) {
          this.options.onBreach('fragment_timeout_ms')
          this.cut(connection, 'fragmented message unfinished for too long')
          continue
        }
      }
      const held = connection.heldBytes
      total += held
      if (held > 0) holding.push([connection, held])
    }
    if (total <= this.options.maxTotalBufferedBytes) return
    holding.sort((a, b) => b[1] - a[1])
    for (const [connection, held] of holding) {
      if (total <= this.options.maxTotalBufferedBytes) break
      this.options.onBreach('max_total_buffered_bytes')
      this.cut(connection, 'the hub holds too much for its connections')
      total -= held
    }
  }

  private cut(connection: Connection, reason: string): void {
    connection.deliveries.drop()
    connection.close(CloseCode.POLICY, reason)
    // What it holds is freed only once the socket is gone, not after a close handshake.
    connection.terminate()
  }
}

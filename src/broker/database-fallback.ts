// The database-backed path between hub instances: catching the agents connected here up from
// the database — once, after Redis may have dropped events, or every FALLBACK_POLL_MS while it
// is away. Runs never overlap: asking while one runs makes one more run after it, so a slow
// database gets no pile of queries, and no run's older reads land after a newer one's.
import type { FastifyBaseLogger } from 'fastify'

/** While Redis is unreachable, how often the agents here are caught up from the database. */
export const FALLBACK_POLL_MS = 1000

export class DatabaseFallback {
  private running: Promise<void> | null = null
  private again = false
  private poll: NodeJS.Timeout | undefined

  constructor(
    private readonly catchUp: () => Promise<void>,
    private readonly log: FastifyBaseLogger,
  ) {}

  get polling(): boolean {
    return this.poll !== undefined
  }

  startPolling(): void {
    this.poll ??= setInterval(() => void this.run(), FALLBACK_POLL_MS).unref()
  }

  stopPolling(): void {
    clearInterval(this.poll)
    this.poll = undefined
  }

  /** Catches up now, or right after the run in progress. */
  run(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.catchUpSafely().finally(() => {
      this.running = null
      if (this.again) {
        this.again = false
        void this.run()
      }
    })
    return this.running
  }

  private async catchUpSafely(): Promise<void> {
    try {
      await this.catchUp()
    } catch (error) {
      this.log.error({ err: error }, 'catching up from the database failed')
    }
  }
}

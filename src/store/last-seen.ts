// Group commit for "this agent is here now": connects and disconnects that arrive in one turn
// of the event loop, or while a write runs, share one multi-row upsert (and its fsync), which
// also creates agents on first sight. Each caller's promise settles when its row is written, so
// an agent exists before it is welcomed. Without it a fleet reconnecting after a deploy would
// pay one transaction per agent.
import type { Provider } from './database-url.js'
import type { Db } from './database.js'

const CHUNK = 200

interface Pending {
  at: Date
  waiters: { resolve: () => void; reject: (error: unknown) => void }[]
}

/** A timestamp as each database's column takes it from text (UTC, as Prisma writes them). */
const stamp = (provider: Provider, date: Date) =>
  provider === 'sqlite' ? date.toISOString().replace('Z', '+00:00') : date.toISOString()

export class LastSeen {
  private queue = new Map<string, Pending>()
  private running: Promise<void> | null = null

  constructor(
    private readonly db: Db,
    private readonly provider: Provider,
  ) {}

  /** Records that the agent is here now (creating it), with the next batch. */
  touch(agentId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const pending = this.queue.get(agentId) ?? { at: new Date(), waiters: [] }
      pending.at = new Date()
      pending.waiters.push({ resolve, reject })
      this.queue.set(agentId, pending)
      this.kick()
    })
  }

  private kick(): void {
    if (this.running || this.queue.size === 0) return
    this.running = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run())
      .finally(() => {
        this.running = null
        this.kick()
      })
  }

  private async run(): Promise<void> {
    const batch = [...this.queue]
    this.queue = new Map()
    for (let i = 0; i < batch.length; i += CHUNK) {
      const chunk = batch.slice(i, i + CHUNK)
      try {
        await this.write(chunk.map(([agentId, { at }]) => [agentId, stamp(this.provider, at)]))
        for (const [, { waiters }] of chunk) waiters.forEach((waiter) => waiter.resolve())
      } catch (error) {
        for (const [, { waiters }] of chunk) waiters.forEach((waiter) => waiter.reject(error))
      }
    }
  }

  private write(rows: [string, string][]): Promise<number> {
    const mark = this.provider === 'sqlite' ? () => '?' : (n: number) => `$${n}`
    const time = this.provider === 'sqlite' ? () => '?' : (n: number) => `$${n}::timestamp(3)`
    const values = rows.map((_, i) => `(${mark(i * 3 + 1)}, ${time(i * 3 + 2)}, ${time(i * 3 + 3)})`).join(', ')
    return this.db.$executeRawUnsafe(
      `INSERT INTO agents (id, created_at, last_seen_at) VALUES ${values} ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
      ...rows.flatMap(([agentId, at]) => [agentId, at, at]),
    )
  }
}

// "This agent is here now", at every connect and disconnect, without a transaction each. An
// agent the database already shows as seen is not waited for: its new time joins the next
// batch, one multi-row upsert (and one fsync) for every agent that came or went while the last
// one ran. Only an agent never seen waits for its batch, since it must exist (for GET /agents)
// before it is welcomed. Agents are never deleted, so "seen" stays true once read or written.
import type { Provider } from './database-url.js'
import type { Db } from './database.js'
import { param, stamp } from './driver-sql.js'
import type { MessageLog } from './message-log.js'

const CHUNK = 200
/** Agents remembered as seen; past this the memory starts over (they are read again). */
const SEEN_LIMIT = 100_000
/** How long last-seen times nobody waits for gather before they are written. */
const GATHER_MS = 250

interface Pending {
  at: Date
  waiters: { resolve: () => void; reject: (error: unknown) => void }[]
}

export class LastSeen {
  private queue = new Map<string, Pending>()
  private running: Promise<void> | null = null
  /** Ends the current gathering wait early (a new agent is waiting). */
  private gathering: (() => void) | undefined
  private readonly seen = new Set<string>()

  constructor(
    private readonly db: Db,
    private readonly log: MessageLog,
    private readonly provider: Provider,
    /** Hears of a failed write that no caller waits for. */
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Records that the agent is here now; settles once the agent is sure to exist with a last-seen time. */
  async touch(agentId: string): Promise<void> {
    if (this.seen.has(agentId) || (await this.storedAsSeen(agentId))) {
      this.enqueue(agentId)
      return
    }
    await new Promise<void>((resolve, reject) => this.enqueue(agentId, { resolve, reject }))
    this.remember(agentId)
  }

  /** Resolves once every time recorded so far is written. */
  async flush(): Promise<void> {
    while (this.running || this.queue.size > 0) {
      this.kick()
      this.gathering?.()
      await this.running
    }
  }

  private enqueue(agentId: string, waiter?: Pending['waiters'][number]): void {
    const at = new Date()
    const pending = this.queue.get(agentId) ?? { at, waiters: [] }
    pending.at = at
    if (waiter) pending.waiters.push(waiter)
    this.queue.set(agentId, pending)
    if (waiter && this.gathering) this.gathering()
    this.kick()
  }

  private async storedAsSeen(agentId: string): Promise<boolean> {
    const rows = await this.log.read('SELECT 1 FROM agents WHERE id = $1 AND last_seen_at IS NOT NULL', [agentId])
    if (rows.length === 0) return false
    this.remember(agentId)
    return true
  }

  private remember(agentId: string): void {
    if (this.seen.size >= SEEN_LIMIT) this.seen.clear()
    this.seen.add(agentId)
  }

  private kick(): void {
    if (this.running || this.queue.size === 0) return
    const waited = [...this.queue.values()].some((pending) => pending.waiters.length > 0)
    // A new agent waits for its row: write after this turn of the event loop. Times nobody waits
    // for gather for a while, since a SQLite write blocks the process for its fsync.
    this.running = new Promise<void>((resolve) => {
      if (waited) return setImmediate(resolve)
      const timer = setTimeout(resolve, GATHER_MS)
      this.gathering = () => {
        clearTimeout(timer)
        setImmediate(resolve)
      }
    })
      .then(() => {
        this.gathering = undefined
        return this.run()
      })
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
        const waiters = chunk.flatMap(([, pending]) => pending.waiters)
        if (waiters.length < chunk.length) this.onError(error)
        waiters.forEach((waiter) => waiter.reject(error))
      }
    }
  }

  private write(rows: [string, string][]): Promise<number> {
    const p = (n: number, time = false) => param(this.provider, n, time)
    const values = rows.map((_, i) => `(${p(i * 3 + 1)}, ${p(i * 3 + 2, true)}, ${p(i * 3 + 3, true)})`).join(', ')
    return this.db.$executeRawUnsafe(
      `INSERT INTO agents (id, created_at, last_seen_at) VALUES ${values} ON CONFLICT (id) DO UPDATE SET last_seen_at = excluded.last_seen_at`,
      ...rows.flatMap(([agentId, at]) => [agentId, at, at]),
    )
  }
}

// The store: one object owning the database and every repository the hub uses.
import { Registry } from 'prom-client'
import { AgentStore } from './agents.js'
import { ChannelStore } from './channels.js'
import { InboxStore } from './inboxes.js'
import { openDatabase, type Database, type PoolSettings } from './database.js'
import { DeliveryCursors } from './delivery-cursors.js'
import { MessageStore } from './messages.js'
import { MessageWriter } from './message-writer.js'
import { ServiceStore } from './services.js'
import { StorageHealth, type StorageFault } from './storage-health.js'

/** /readyz answers within this, whatever the database does. */
const READY_WITHIN_MS = 1000
/** A write that changes nothing: it still needs room in the journal and a writable database. */
const WRITE_PROBE_SQL =
  'UPDATE "_prisma_migrations" SET applied_steps_count = applied_steps_count WHERE id = (SELECT min(id) FROM "_prisma_migrations")'

export interface StoreOptions {
  databaseUrl: string
  maxBatch: number
  /** Group commit's wait (WriterOptions.waitMs), on SQLite only: a PostgreSQL commit leaves the event loop free, and messages gather behind it. */
  batchWaitMs?: number
  onBatch?: (size: number, seconds: number) => void
  onError: (error: unknown) => void
  /** Default: one of its own, silent, on a registry of its own. */
  health?: StorageHealth
  pool?: PoolSettings
}

export interface Store {
  database: Database
  agents: AgentStore
  services: ServiceStore
  channels: ChannelStore
  /** Where delivery stands, for replay and catch-up. */
  inboxes: InboxStore
  messages: MessageStore
  writer: MessageWriter
  cursors: DeliveryCursors
  /** What stands in the way of writes (learnt from failures), if anything. */
  health: StorageHealth
  /** Can the hub store messages? A write probe while the storage is full or read-only; bounded in time. */
  ping(): Promise<{ up: true } | { up: false; fault: StorageFault }>
  /** Writes everything queued, then closes the database. */
  close(): Promise<void>
}

export async function openStore(options: StoreOptions): Promise<Store> {
  const health = options.health ?? new StorageHealth({ warn: () => undefined, info: () => undefined }, new Registry())
  // A background failure the health recognises is logged there, once per episode.
  const onError = (error: unknown) => void (health.noted(error) ?? options.onError(error))
  const database = await openDatabase(options.databaseUrl, onError, options.pool)
  const db = database.prisma
  const writer = new MessageWriter(database.log, {
    maxBatch: options.maxBatch,
    waitMs: database.provider === 'sqlite' ? options.batchWaitMs : 0,
    onBatch: options.onBatch,
    onListenerError: options.onError,
  })
  writer.onCommitted(() => health.recovered())
  const probe = async (): Promise<boolean> => {
    try {
      await (health.fault === 'full' || health.fault === 'read_only' ? db.$executeRawUnsafe(WRITE_PROBE_SQL) : db.$queryRawUnsafe('SELECT 1'))
      health.recovered()
      return true
    } catch (error) {
      health.noted(error)
      return false
    }
  }
  const cursors = new DeliveryCursors(database.log, onError)
  const agents = new AgentStore(db, database.log, database.provider, onError)
  return {
    database,
    agents,
    services: new ServiceStore(db, database.log, database.provider),
    channels: new ChannelStore(db, database.log, database.provider),
    inboxes: new InboxStore(db, database.log, database.provider),
    messages: new MessageStore(database.log, database.provider),
    writer,
    cursors,
    health,
    ping: async () => {
      // A write refused just now says more than a small probe that may slip through.
      const confirmed = health.fault === 'unreachable' ? undefined : health.confirmedWithin(health.retryAfterMs('full'))
      if (confirmed) return { up: false, fault: confirmed }
      const up = await Promise.race([probe(), new Promise<false>((resolve) => setTimeout(resolve, READY_WITHIN_MS, false).unref())])
      return up ? { up } : { up, fault: health.fault ?? 'unreachable' }
    },
    close: async () => {
      await writer.drain()
      await cursors.close()
      await agents.flush()
      await database.close()
    },
  }
}

export type { MessageDraft, StoredMessage } from './message-log.js'
export type { Inbox } from './inboxes.js'

// The store: one object owning the database and every repository the hub uses.
import { AgentStore } from './agents.js'
import { ChannelStore } from './channels.js'
import { InboxStore } from './inboxes.js'
import { openDatabase, type Database } from './database.js'
import { DeliveryCursors } from './delivery-cursors.js'
import { MessageStore } from './messages.js'
import { MessageWriter } from './message-writer.js'
import { ServiceStore } from './services.js'

export interface StoreOptions {
  databaseUrl: string
  maxBatch: number
  onBatch?: (size: number, seconds: number) => void
  onError: (error: unknown) => void
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
  /** Is the database answering? */
  ping(): Promise<boolean>
  /** Writes everything queued, then closes the database. */
  close(): Promise<void>
}

export async function openStore(options: StoreOptions): Promise<Store> {
  const database = await openDatabase(options.databaseUrl, options.onError)
  const db = database.prisma
  const writer = new MessageWriter(database.log, { maxBatch: options.maxBatch, onBatch: options.onBatch, onListenerError: options.onError })
  const cursors = new DeliveryCursors(database.log, options.onError)
  const agents = new AgentStore(db, database.log, database.provider, options.onError)
  return {
    database,
    agents,
    services: new ServiceStore(db),
    channels: new ChannelStore(db, database.log, database.provider),
    inboxes: new InboxStore(db, database.log),
    messages: new MessageStore(database.log),
    writer,
    cursors,
    ping: async () => {
      try {
        await db.$queryRawUnsafe('SELECT 1')
        return true
      } catch {
        return false
      }
    },
    close: async () => {
      await writer.drain()
      await cursors.close()
      await agents.flush()
      await database.close()
    },
  }
}

export type { StoredMessage } from './message-log.js'
export type { Inbox } from './inboxes.js'

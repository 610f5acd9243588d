// Opens the database a DATABASE_URL names (SQLite through better-sqlite3, PostgreSQL through
// pg), migrates it, and returns a Prisma client on the matching driver adapter.
import Database from 'better-sqlite3'
import pg from 'pg'
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'
import { PrismaClient } from '../generated/sqlite/client.js'
import { PrismaClient as PostgresPrismaClient } from '../generated/postgres/client.js'
import { migrate, type SqlRunner } from './migrate.js'
import { providerOf, sqliteFile, type Provider } from './database-url.js'
import { KeyedLock } from '../lib/keyed-lock.js'
import { within } from '../lib/within.js'
import type { MessageLog } from './message-log.js'
import { PostgresMessageLog } from './message-log-postgres.js'
import { CONNECTION_PRAGMAS, SqliteMessageLog } from './message-log-sqlite.js'

/**
 * The part of Prisma's model API the store (and its tests) use. Both generated clients come from
 * one model source (prisma/models.prisma) and provide it: each is checked against it as it is
 * opened, so neither passes for the other.
 */
export interface Db {
  agent: Pick<PrismaClient['agent'], 'create' | 'count' | 'findUnique' | 'findMany' | 'upsert' | 'updateMany'>
  service: Pick<PrismaClient['service'], 'findUnique' | 'findUniqueOrThrow' | 'findMany' | 'upsert' | 'update'>
  channel: Pick<PrismaClient['channel'], 'create' | 'count' | 'findUnique' | 'findFirst' | 'findMany' | 'updateManyAndReturn'>
  message: Pick<PrismaClient['message'], 'count' | 'findMany'>
  $queryRawUnsafe: PrismaClient['$queryRawUnsafe']
  $executeRawUnsafe: PrismaClient['$executeRawUnsafe']
  $disconnect: PrismaClient['$disconnect']
}

export interface Database {
  prisma: Db
  /** The group-commit hot path, in raw SQL on the same database. */
  log: MessageLog
  provider: Provider
  /** Names of the migrations applied while opening. */
  migrated: string[]
  close(): Promise<void>
}

const SQLITE_BUSY_TIMEOUT_MS = 10_000
// better-sqlite3 waits for a busy file synchronously, which would stall this very process's
// other opening of the same file: openings in one process take turns.
const sqliteOpenings = new KeyedLock()
const MIGRATION_LOCK_KEY = 7_261_646_917
/** How long closing waits for the pool's connections to end. */
const POOL_END_WAIT_MS = 2000
/** TCP keepalive on PostgreSQL connections: a peer gone without a word is noticed in about a minute. */
const KEEPALIVE_INITIAL_DELAY_MS = 10_000

/** Bounds on PostgreSQL connections (DATABASE_*_TIMEOUT_MS), so that a database gone quiet fails requests instead of holding them. */
export interface PoolSettings {
  connectTimeoutMs: number
  statementTimeoutMs: number
  idleTimeoutMs: number
}

const DEFAULT_POOL: PoolSettings = { connectTimeoutMs: 5000, statementTimeoutMs: 10_000, idleTimeoutMs: 30_000 }

/**
 * Opens and migrates the database. `onError` hears of failures outside any query, such as the
 * server ending an idle connection (a Postgres restart); the pool then opens a new one.
 */
export async function openDatabase(
  url: string,
  onError: (error: unknown) => void = () => undefined,
  pool: PoolSettings = DEFAULT_POOL,
): Promise<Database> {
  const provider = providerOf(url)
  return provider === 'sqlite' ? openSqlite(url) : openPostgres(url, onError, pool)
}

async function openSqlite(url: string): Promise<Database> {
  const file = sqliteFile(url)
  return sqliteOpenings.run(file, () => migrateAndConnectSqlite(file))
}

async function migrateAndConnectSqlite(file: string): Promise<Database> {
  const raw = new Database(file, { timeout: SQLITE_BUSY_TIMEOUT_MS })
  let migrated: string[]
  try {
    // WAL persists in the file; group commit makes one fsync per batch affordable.
    raw.pragma('journal_mode = WAL')
    migrated = await migrate(sqliteRunner(raw), 'sqlite')
  } finally {
    raw.close()
  }
  const client = new PrismaClient({ adapter: new PrismaBetterSQLite3({ url: file, timeout: SQLITE_BUSY_TIMEOUT_MS }) })
  for (const pragma of CONNECTION_PRAGMAS) await client.$queryRawUnsafe(`PRAGMA ${pragma}`)
  const prisma: Db = client
  const log = new SqliteMessageLog(file)
  return {
    prisma,
    log,
    provider: 'sqlite',
    migrated,
    close: async () => {
      await log.close()
      await prisma.$disconnect()
    },
  }
}

async function openPostgres(url: string, onError: (error: unknown) => void, settings: PoolSettings): Promise<Database> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: settings.connectTimeoutMs })
  client.on('error', onError)
  await client.connect()
  let migrated: string[]
  try {
    migrated = await migrate(postgresRunner(client), 'postgresql')
  } finally {
    await client.end()
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    idleTimeoutMillis: settings.idleTimeoutMs,
    // The server's bound, and the client's for a server that no longer answers at all.
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + 1000,
    keepAlive: true,
    keepAliveInitialDelayMillis: KEEPALIVE_INITIAL_DELAY_MS,
  })
  // Without a listener, a connection ended by the server (a restart, pg_terminate_backend, a
  // failover) would crash the process: the pool listens on idle ones, this on every one, checked
  // out included. The query it was running fails on its own; the pool replaces the connection.
  pool.on('error', onError)
  pool.on('connect', (connection) => connection.on('error', onError))
  const prisma: Db = new PostgresPrismaClient({ adapter: new PrismaPg(pool) })
  return {
    prisma,
    log: new PostgresMessageLog(pool),
    provider: 'postgresql',
    migrated,
    close: async () => {
      await prisma.$disconnect()
      await endPool(pool)
    },
  }
}

/**
 * Ends the pool once its connections have closed: pg's end() resolves as soon as it has asked
 * them to, and a connection the server ends meanwhile (its database dropped) would still report
 * an error.
 */
async function endPool(pool: pg.Pool): Promise<void> {
  let open = pool.totalCount
  const ended = new Promise<void>((resolve) => {
    if (open === 0) resolve()
    pool.on('remove', () => --open <= 0 && resolve())
  })
  // A connection still checked out (a query the server no longer answers) would hold end() open.
  await within(POOL_END_WAIT_MS, pool.end().then(() => ended))
}

function sqliteRunner(db: Database.Database): SqlRunner {
  return {
    exec: (sql) => Promise.resolve(void db.exec(sql)),
    query: <T>(sql: string, params: unknown[] = []) => {
      const statement = db.prepare(sql.replace(/\$\d+/g, '?'))
      return Promise.resolve(statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []))
    },
    withLock: (fn) => inTransaction((sql) => Promise.resolve(void db.exec(sql)), 'BEGIN IMMEDIATE', fn),
  }
}

function postgresRunner(client: pg.Client): SqlRunner {
  const exec = async (sql: string) => void (await client.query(sql))
  return {
    exec,
    query: async <T>(sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows as T[],
    withLock: (fn) =>
      inTransaction(exec, 'BEGIN', async () => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
        return fn()
      }),
  }
}

async function inTransaction<T>(exec: (sql: string) => Promise<void>, begin: string, fn: () => Promise<T>): Promise<T> {
  await exec(begin)
  try {
    const result = await fn()
    await exec('COMMIT')
    return result
  } catch (error) {
    await exec('ROLLBACK')
    throw error
  }
}

// Applies the checked-in, Prisma-generated migration SQL (prisma/<provider>/migrations) at
// start-up and records each in Prisma's own `_prisma_migrations` table, so that
// `prisma migrate status` agrees with the hub. On Postgres an advisory lock makes concurrent
// starts migrate once.
import { createHash, randomUUID } from 'node:crypto'
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Provider } from './database-url.js'

/** The little a migrator needs from a database driver. */
export interface SqlRunner {
  /** Runs a script of one or more statements. */
  exec(sql: string): Promise<void>
  /** Runs one statement with $1-style parameters and returns its rows. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>
  /** Runs fn while holding the migration lock. */
  withLock<T>(fn: () => Promise<T>): Promise<T>
}

export interface Migration {
  name: string
  sql: string
  checksum: string
}

const MIGRATIONS_TABLE = {
  sqlite: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" TEXT PRIMARY KEY NOT NULL,
    "checksum" TEXT NOT NULL,
    "finished_at" DATETIME,
    "migration_name" TEXT NOT NULL,
    "logs" TEXT,
    "rolled_back_at" DATETIME,
    "started_at" DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count" INTEGER UNSIGNED NOT NULL DEFAULT 0
  )`,
  postgresql: `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id" VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0
  )`,
} satisfies Record<Provider, string>

const PRISMA_DIRS: Record<Provider, string> = { sqlite: 'sqlite', postgresql: 'postgres' }

export function migrationsDir(provider: Provider): string {
  return fileURLToPath(new URL(`../../${isBuilt() ? '../' : ''}prisma/${PRISMA_DIRS[provider]}/migrations/`, import.meta.url))
}

// Compiled code runs from dist/src/store, sources from src/store.
function isBuilt(): boolean {
  return import.meta.url.includes('/dist/src/')
}

export function loadMigrations(provider: Provider): Migration[] {
  const dir = migrationsDir(provider)
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(`${dir}${entry.name}/migration.sql`))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(`${dir}${name}/migration.sql`, 'utf8')
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') }
    })
}

/** Applies pending migrations; returns the names applied by this call. */
export async function migrate(runner: SqlRunner, provider: Provider): Promise<string[]> {
  const migrations = loadMigrations(provider)
  return runner.withLock(async () => {
    await runner.exec(MIGRATIONS_TABLE[provider])
    const rows = await runner.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    )
    const applied = new Map(rows.map((row) => [row.migration_name, row.checksum]))
    const done: string[] = []
    for (const migration of migrations) {
      const checksum = applied.get(migration.name)
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new Error(`migration ${migration.name} was changed after it was applied`)
        }
        continue
      }
      await applyOne(runner, provider, migration)
      done.push(migration.name)
    }
    return done
  })
}

async function applyOne(runner: SqlRunner, provider: Provider, migration: Migration): Promise<void> {
  // Runs inside the transaction withLock opened: a failed migration leaves nothing behind.
  await runner.exec(migration.sql)
  const now = provider === 'sqlite' ? "strftime('%Y-%m-%dT%H:%M:%fZ','now')" : 'now()'
  await runner.query(
    `INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "started_at", "finished_at", "applied_steps_count") ` +
      `VALUES ($1, $2, $3, ${now}, ${now}, 1)`,
    [randomUUID(), migration.checksum, migration.name],
  )
}

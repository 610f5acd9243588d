// Start-up migrations on real SQLite files: recorded in Prisma's _prisma_migrations the way
// `prisma migrate` records them, applied once (also when two openings race), and refused when an
// applied migration was changed afterwards.
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { openDatabase, type Database as HubDatabase } from '../../src/store/database.js'
import { tempSqliteUrl } from '../helpers/hub.js'

// Read straight from the checked-in folder, not through the migrator under test.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../prisma/sqlite/migrations/', import.meta.url))
const MIGRATIONS = readdirSync(MIGRATIONS_DIR, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort()
const sha256 = (name: string) => createHash('sha256').update(readFileSync(`${MIGRATIONS_DIR}${name}/migration.sql`)).digest('hex')

interface MigrationRow {
  migration_name: string
  checksum: string
  finished_at: string | null
  rolled_back_at: string | null
  applied_steps_count: number
}

const temps: ReturnType<typeof tempSqliteUrl>[] = []
const opened: HubDatabase[] = []

afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()))
  for (const temp of temps.splice(0)) temp.remove()
})

function freshUrl(): string {
  const temp = tempSqliteUrl()
  temps.push(temp)
  return temp.url
}

async function open(url: string): Promise<HubDatabase> {
  const db = await openDatabase(url)
  opened.push(db)
  return db
}

function withFile<T>(url: string, fn: (db: Database.Database) => T): T {
  const db = new Database(url.replace(/^file:/, ''))
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

const migrationRows = (url: string) =>
  withFile(url, (db) => db.prepare('SELECT * FROM "_prisma_migrations" ORDER BY migration_name').all() as MigrationRow[])

describe('migrate on SQLite', () => {
  it('has at least one checked-in migration to apply', () => {
    expect(MIGRATIONS.length).toBeGreaterThan(0)
  })

  it('applies every migration to a fresh database and records it as Prisma does', async () => {
    const url = freshUrl()
    const db = await open(url)
    expect(db.provider).toBe('sqlite')
    expect(db.migrated).toEqual(MIGRATIONS)

    const rows = migrationRows(url)
    expect(rows.map((row) => row.migration_name)).toEqual(MIGRATIONS)
    for (const row of rows) {
      expect(row.checksum).toBe(sha256(row.migration_name))
      expect(row.finished_at).not.toBeNull()
      expect(row.rolled_back_at).toBeNull()
      expect(row.applied_steps_count).toBe(1)
    }
    // The schema is really there: the client can use every table.
    expect(await db.prisma.agent.count()).toBe(0)
    expect(await db.prisma.message.count()).toBe(0)
  })

  it('applies nothing when the database is opened again', async () => {
    const url = freshUrl()
    await (await open(url)).prisma.agent.create({ data: { id: 'kept' } })
    await opened.pop()?.close()
    const before = migrationRows(url)

    const again = await open(url)
    expect(again.migrated).toEqual([])
    expect(migrationRows(url)).toEqual(before)
    expect(await again.prisma.agent.findUnique({ where: { id: 'kept' } })).not.toBeNull()
  })

  it('migrates once when two openings race on one fresh file, and both succeed', async () => {
    const url = freshUrl()
    const results = await Promise.allSettled([openDatabase(url), openDatabase(url)])
    for (const result of results) if (result.status === 'fulfilled') opened.push(result.value)
    expect(results.map((r) => (r.status === 'fulfilled' ? 'opened' : String(r.reason)))).toEqual(['opened', 'opened'])

    const applied = opened.flatMap((db) => db.migrated).sort()
    expect(applied).toEqual(MIGRATIONS)
    const rows = migrationRows(url)
    expect(rows.map((row) => row.migration_name)).toEqual(MIGRATIONS)
  })

  it('opens an already migrated file twice at once', async () => {
    const url = freshUrl()
    await open(url)
    await opened.pop()?.close()
    const results = await Promise.allSettled([openDatabase(url), openDatabase(url)])
    for (const result of results) if (result.status === 'fulfilled') opened.push(result.value)
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.migrated : String(r.reason)))).toEqual([[], []])
  })

  it('refuses to open a database whose applied migration was changed, naming it', async () => {
    const url = freshUrl()
    await open(url)
    await opened.pop()?.close()
    const [name] = MIGRATIONS as [string]
    withFile(url, (db) => db.prepare('UPDATE "_prisma_migrations" SET checksum = ? WHERE migration_name = ?').run('0'.repeat(64), name))

    await expect(openDatabase(url)).rejects.toThrow(name)
  })
})

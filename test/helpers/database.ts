// A fresh, empty database for one test: a temporary SQLite file, or — with
// HUB_TEST_DATABASE=postgres — a new database on the local PostgreSQL server, dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import pg from 'pg'
import { providerOf, sqliteFile } from '../../src/store/database-url.js'

export interface TempDatabase {
  url: string
  remove: () => Promise<void>
}

export const testDatabaseKind = (): 'sqlite' | 'postgres' =>
  process.env.HUB_TEST_DATABASE === 'postgres' ? 'postgres' : 'sqlite'

/** Where tests create and drop their Postgres databases. */
const POSTGRES_ADMIN_URL = process.env.HUB_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

export function tempSqliteUrl(): { url: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'claw-hub-'))
  return { url: `file:${join(dir, 'hub.db')}`, remove: () => rmSync(dir, { recursive: true, force: true }) }
}

export async function tempPostgresUrl(): Promise<TempDatabase> {
  const name = `hub_test_${randomBytes(6).toString('hex')}`
  await admin(`CREATE DATABASE "${name}"`)
  const url = new URL(POSTGRES_ADMIN_URL)
  url.pathname = `/${name}`
  return { url: url.toString(), remove: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) }
}

/** A fresh database of the kind the test run uses. */
export const tempDatabase = (): Promise<TempDatabase> => tempDatabaseOf(testDatabaseKind())

/** A fresh database of this kind (the benchmark chooses by --db). */
export async function tempDatabaseOf(kind: 'sqlite' | 'postgres'): Promise<TempDatabase> {
  if (kind === 'postgres') return tempPostgresUrl()
  const sqlite = tempSqliteUrl()
  return { url: sqlite.url, remove: () => Promise.resolve(sqlite.remove()) }
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

/** Runs statements straight on the database's driver, outside the hub (a migration test's set-up). */
export async function runStatements(url: string, statements: string[]): Promise<void> {
  if (providerOf(url) === 'sqlite') {
    const db = new Database(sqliteFile(url))
    try {
      for (const sql of statements) db.exec(sql)
    } finally {
      db.close()
    }
    return
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    for (const sql of statements) await client.query(sql)
  } finally {
    await client.end()
  }
}

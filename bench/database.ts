// A fresh, empty database for one benchmark run (the hub migrates it at start-up): a new
// Postgres database on the local server, or a SQLite file in a temporary directory. Dropped after.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

const POSTGRES_ADMIN = process.env.HUB_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres'

export interface BenchDatabase {
  url: string
  drop: () => Promise<void>
}

export async function freshDatabase(kind: 'sqlite' | 'postgres'): Promise<BenchDatabase> {
  if (kind === 'postgres') {
    const name = `hub_bench_${randomBytes(4).toString('hex')}`
    const admin = new pg.Client({ connectionString: POSTGRES_ADMIN })
    await admin.connect()
    await admin.query(`CREATE DATABASE "${name}"`)
    await admin.end()
    const url = new URL(POSTGRES_ADMIN)
    url.pathname = `/${name}`
    return {
      url: url.toString(),
      drop: async () => {
        const client = new pg.Client({ connectionString: POSTGRES_ADMIN })
        await client.connect()
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
        await client.end()
      },
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'hub-bench-'))
  return { url: `file:${join(dir, 'hub.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) }
}

// A PostgreSQL server of the test's own, on its own port and data directory (never the shared
// one), which the test may restart while the hub uses it. Run as the postgres user: initdb and
// the server refuse to run as root.
import { execFile } from 'node:child_process'
import { chownSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import pg from 'pg'
import { freshPort } from '../helpers/process.js'

const run = promisify(execFile)
const BIN = join('/usr/lib/postgresql', readdirSync('/usr/lib/postgresql').sort().at(-1) ?? '', 'bin')
const OWNER = 'postgres'

export interface OwnPostgres {
  port: number
  /** postgresql://… of a database created on it for the test. */
  url: string
  /** Stops the server the hard way (every connection cut, as in a crash) and starts it again. */
  restart(): Promise<void>
  remove(): Promise<void>
}

const asOwner = (command: string, ...args: string[]) => run('runuser', ['-u', OWNER, '--', join(BIN, command), ...args])

export async function ownPostgres(): Promise<OwnPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'claw-pg-'))
  const owner = (await run('id', ['-u', OWNER])).stdout.trim()
  const group = (await run('id', ['-g', OWNER])).stdout.trim()
  chownSync(dir, Number(owner), Number(group))
  const data = join(dir, 'data')
  await asOwner('initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8')
  const port = Number(freshPort())
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=50`
  const start = () => asOwner('pg_ctl', '-D', data, '-o', options, '-l', join(dir, 'log'), '-w', 'start')
  const stop = () => asOwner('pg_ctl', '-D', data, '-m', 'immediate', '-w', 'stop')
  await start()
  const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${port}/postgres` })
  await admin.connect()
  await admin.query('CREATE DATABASE hub')
  await admin.end()
  return {
    port,
    url: `postgresql://postgres@127.0.0.1:${port}/hub`,
    restart: async () => {
      await stop()
      await start()
    },
    remove: async () => {
      await stop().catch(() => undefined)
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

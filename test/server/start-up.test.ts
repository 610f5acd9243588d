// The hub as a process: a bad configuration or an unreachable database stops it with one
// clear line, and two processes starting together on one empty Postgres database migrate it
// once, both come up, and keep one channel's seqs gapless while both write to it.
import pg from 'pg'
import { loadMigrations } from '../../src/store/migrate.js'
import { afterEach, describe, expect, it } from 'vitest'
import { tempPostgresUrl, type TempDatabase } from '../helpers/database.js'
import { freshPort, spawnHub, waitReady, type HubProcess } from '../helpers/process.js'

const running: HubProcess[] = []
const databases: TempDatabase[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((hub) => hub.stop()))
  await Promise.all(databases.splice(0).map((db) => db.remove()))
})

function start(env: Record<string, string>): HubProcess {
  const hub = spawnHub({ PORT: freshPort(), ...env })
  running.push(hub)
  return hub
}

function expectOneLine(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(pattern)
  expect(stderr).not.toMatch(/^\s+at /m)
}

describe('a hub that cannot start', () => {
  it('names a bad variable in one line', async () => {
    const hub = start({ PORT: 'eighty' })
    expect(await hub.exited).toBe(78)
    expectOneLine(hub.stderr(), /^claw-chat-hub: invalid PORT="eighty": /)
  })

  it('names an unreachable database in one line', async () => {
    const hub = start({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/nowhere' })
    expect(await hub.exited).toBe(1)
    expectOneLine(hub.stderr(), /^claw-chat-hub: cannot start: .*ECONNREFUSED 127\.0\.0\.1:1/)
  })

  it('names a database that does not exist in one line', async () => {
    const hub = start({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/no_such_database_here' })
    expect(await hub.exited).toBe(1)
    expectOneLine(hub.stderr(), /^claw-chat-hub: cannot start: .*"no_such_database_here" does not exist/)
  })
})

describe('two hubs on one empty Postgres database', () => {
  it('migrate it once, both come up, and share gapless seqs', async () => {
    const database = await tempPostgresUrl()
    databases.push(database)
    const [a, b] = [start({ DATABASE_URL: database.url }), start({ DATABASE_URL: database.url })] as [HubProcess, HubProcess]
    await Promise.all([waitReady(a), waitReady(b)])

    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    const migrations = await client.query<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations" ORDER BY 1')
    await client.end()
    // Each checked-in migration applied exactly once, though two hubs raced to apply them.
    expect(migrations.rows.map((row) => row.migration_name)).toEqual(loadMigrations('postgresql').map((m) => m.name))

    const opened = await fetch(`${a.url}/channels`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider_id: 'p', consumer_id: 'c' }),
    })
    const channel = (await opened.json()) as { channel_id: string }
    const perHub = 60
    const sends = [a, b].flatMap((hub, h) =>
      Array.from({ length: perHub }, (_, i) =>
        fetch(`${hub.url}/channels/${channel.channel_id}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sender_id: i % 2 ? 'p' : 'c', content: `hub${h}-${i}` }),
        }).then((r) => r.status),
      ),
    )
    expect(new Set(await Promise.all(sends))).toEqual(new Set([201]))

    const seqs: number[] = []
    for (let after = 0; ; ) {
      const page = (await (await fetch(`${b.url}/channels/${channel.channel_id}/messages?limit=500&after_seq=${after}`)).json()) as {
        messages: { seq: number }[]
        has_more: boolean
      }
      seqs.push(...page.messages.map((m) => m.seq))
      if (!page.has_more) break
      after = seqs.at(-1) as number
    }
    expect(seqs).toEqual(Array.from({ length: 2 * perHub }, (_, i) => i + 1))
  })
})

describe('authentication switched off', () => {
  it('says so loudly in the log', async () => {
    const database = await tempPostgresUrl()
    databases.push(database)
    const hub = start({ DATABASE_URL: database.url, HUB_AUTH: 'off' })
    await waitReady(hub)
    const warning = hub
      .stdout()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .find((entry) => entry.msg.includes('AUTHENTICATION IS DISABLED'))
    expect(warning?.level).toBe(40)
  })
})

describe('shutdown', () => {
  it('exits 0 on SIGTERM', async () => {
    const database = await tempPostgresUrl()
    databases.push(database)
    const hub = start({ DATABASE_URL: database.url })
    await waitReady(hub)
    expect(await hub.stop('SIGTERM')).toBe(0)
  })
})

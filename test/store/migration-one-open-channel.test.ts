// The one_open_channel_per_pair migration on a database that already holds duplicates (SQLite, or
// Postgres with HUB_TEST_DATABASE=postgres): each pair keeps its newest active channel and its
// newest pending request per service, the older ones are ended or rejected as duplicates, and
// from then on the database refuses a second one. The database is first rolled back to the
// migration before: its indexes dropped and the migration forgotten.
import { expect, it } from 'vitest'
import { openDatabase } from '../../src/store/database.js'
import { runStatements, tempDatabase } from '../helpers/database.js'

const MIGRATION = '20261202000000_one_open_channel_per_pair'

const channelSql = (id: string, provider: string, service: string | null, status: string) =>
  `INSERT INTO channels (id, provider_id, consumer_id, service_id, status) VALUES ('${id}', '${provider}', 'cons', ${service === null ? 'NULL' : `'${service}'`}, '${status}')`

it('keeps the newest open channel of each pair and service, retires the older ones, and refuses new duplicates', async () => {
  const temp = await tempDatabase()
  const run = (statements: string[]) => runStatements(temp.url, statements)
  try {
    await migrated(temp.url, run)
  } finally {
    await temp.remove()
  }
})

async function migrated(url: string, run: (statements: string[]) => Promise<void>): Promise<void> {
  await (await openDatabase(url)).close()
  await run([
    'DROP INDEX channels_one_active_key',
    'DROP INDEX channels_one_pending_key',
    `DELETE FROM "_prisma_migrations" WHERE migration_name = '${MIGRATION}'`,
    channelSql('ch_a1', 'prov', null, 'active'),
    channelSql('ch_a2', 'prov', null, 'active'),
    channelSql('ch_a3', 'prov', null, 'active'),
    channelSql('ch_b1', 'prov', 'svc', 'active'),
    channelSql('ch_c1', 'prov', 'svc', 'pending'),
    channelSql('ch_c2', 'prov', 'svc', 'pending'),
    channelSql('ch_d1', 'other', null, 'active'),
    channelSql('ch_e1', 'prov', null, 'ended'),
  ])

  const db = await openDatabase(url)
  try {
    expect(db.migrated).toEqual([MIGRATION])
    const channels = await db.prisma.channel.findMany({ select: { id: true, status: true, endReason: true, endedBy: true, endedAt: true }, orderBy: { id: 'asc' } })
    const retired = { endReason: 'duplicate', endedBy: 'hub', endedAt: expect.any(Date) as Date }
    expect(channels).toEqual([
      { id: 'ch_a1', status: 'ended', ...retired },
      { id: 'ch_a2', status: 'ended', ...retired },
      { id: 'ch_a3', status: 'active', endReason: null, endedBy: null, endedAt: null },
      { id: 'ch_b1', status: 'active', endReason: null, endedBy: null, endedAt: null },
      { id: 'ch_c1', status: 'rejected', ...retired },
      { id: 'ch_c2', status: 'pending', endReason: null, endedBy: null, endedAt: null },
      { id: 'ch_d1', status: 'active', endReason: null, endedBy: null, endedAt: null },
      { id: 'ch_e1', status: 'ended', endReason: null, endedBy: null, endedAt: null },
    ])
    // The retirement time reads back as now, not shifted by a time zone.
    for (const channel of channels.filter((c) => c.endReason === 'duplicate')) {
      expect(Math.abs((channel.endedAt as Date).getTime() - Date.now())).toBeLessThan(10 * 60_000)
    }
  } finally {
    await db.close()
  }
  await expect(run([channelSql('ch_a4', 'prov', null, 'active')])).rejects.toThrow(/unique|duplicate/i)
  await expect(run([channelSql('ch_c3', 'prov', 'svc', 'pending')])).rejects.toThrow(/unique|duplicate/i)
  // Closed channels are not limited.
  await run([channelSql('ch_e2', 'prov', null, 'ended'), channelSql('ch_e3', 'prov', 'svc', 'rejected')])
}

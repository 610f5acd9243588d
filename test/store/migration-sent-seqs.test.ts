// The channel_sent_seqs migration on a database that already holds channels and messages
// (SQLite, or Postgres with HUB_TEST_DATABASE=postgres): it backfills each party's last sent seq
// and keeps every message. The database is first rolled back to the migration before: the two
// columns dropped and the migration forgotten, which is exactly what the migration adds.
import { afterEach, beforeEach, expect, it } from 'vitest'
import { openDatabase } from '../../src/store/database.js'
import { runStatements, tempDatabase, type TempDatabase } from '../helpers/database.js'

const MIGRATION = '20261122000000_channel_sent_seqs'
let temp: TempDatabase

beforeEach(async () => {
  temp = await tempDatabase()
})
afterEach(async () => {
  await temp.remove()
})

const run = (statements: string[]) => runStatements(temp.url, statements)

const channelSql = (id: string, status: string) =>
  `INSERT INTO channels (id, provider_id, consumer_id, status) VALUES ('${id}', 'p-${id}', 'c-${id}', '${status}')`
/** Messages of a channel in seq order, each sent by 'p' (provider) or 'c' (consumer). */
const messagesSql = (channelId: string, senders: string) =>
  [...senders].map(
    (who, i) =>
      `INSERT INTO messages (id, channel_id, seq, sender_id, content, created_at)
       VALUES ('msg-${channelId}-${i + 1}', '${channelId}', ${i + 1}, '${who}-${channelId}', 'm', '2026-11-21 12:00:00')`,
  )

it('backfills provider_sent_seq and consumer_sent_seq from the messages, keeping every message', async () => {
  await (await openDatabase(temp.url)).close()
  await run([
    'ALTER TABLE channels DROP COLUMN provider_sent_seq',
    'ALTER TABLE channels DROP COLUMN consumer_sent_seq',
    `DELETE FROM "_prisma_migrations" WHERE migration_name = '${MIGRATION}'`,
    channelSql('both', 'active'),
    ...messagesSql('both', 'pcpccpc'),
    channelSql('consumer-only', 'ended'),
    ...messagesSql('consumer-only', 'ccc'),
    channelSql('provider-only', 'active'),
    ...messagesSql('provider-only', 'pp'),
    channelSql('empty', 'pending'),
    'UPDATE channels SET last_seq = (SELECT COUNT(*) FROM messages WHERE messages.channel_id = channels.id)',
  ])

  const db = await openDatabase(temp.url)
  try {
    expect(db.migrated).toEqual([MIGRATION])
    const channels = await db.prisma.channel.findMany({
      select: { id: true, lastSeq: true, providerSentSeq: true, consumerSentSeq: true },
      orderBy: { id: 'asc' },
    })
    expect(channels).toEqual([
      { id: 'both', lastSeq: 7, providerSentSeq: 6, consumerSentSeq: 7 },
      { id: 'consumer-only', lastSeq: 3, providerSentSeq: 0, consumerSentSeq: 3 },
      { id: 'empty', lastSeq: 0, providerSentSeq: 0, consumerSentSeq: 0 },
      { id: 'provider-only', lastSeq: 2, providerSentSeq: 2, consumerSentSeq: 0 },
    ])
    expect(await db.prisma.message.count()).toBe(12)
  } finally {
    await db.close()
  }
})

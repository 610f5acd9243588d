// The message log on PostgreSQL, where a batch's values go into its SQL as escaped literals (as
// pg's escapeLiteral writes them) and the statement that stores it also commits it: text of every
// kind comes back as it was sent, a reservation that moves fewer channels than it locked fails
// before its COMMIT, storing nothing, and a batch on channels the hub wrote before is one
// statement unless another hub wrote to them or a retry repeats a stored message.
import pg, { escapeLiteral } from 'pg'
import { describe, expect, it } from 'vitest'
import { literal } from '../../src/store/postgres-batch.js'
import type { MessageDraft } from '../../src/store/message-writer.js'
import { runStatements, testDatabaseKind } from '../helpers/database.js'
import { useTempStore } from '../helpers/store.js'

const db = useTempStore()
let counter = 0

async function activeChannel() {
  const providerId = `prov'-${++counter}`
  const consumerId = `cons\\-${counter}`
  await db.store.agents.ensure([providerId, consumerId])
  return db.store.channels.create({ providerId, consumerId, serviceId: null, status: 'active' })
}

const stored = (channelId: string) => db.store.database.prisma.message.findMany({ where: { channelId }, orderBy: { seq: 'asc' } })

describe('literal', () => {
  it("escapes exactly as pg's escapeLiteral does, and writes null as NULL", () => {
    const values = ['', 'plain', "it's", "''", '\\', 'a\\b', "\\'", "E'\\x41'", '😀 ünï', 'x'.repeat(300) + "'\\"]
    for (const value of values) expect(literal(value)).toBe(escapeLiteral(value))
    expect(literal(null)).toBe('NULL')
  })
})

describe.skipIf(testDatabaseKind() !== 'postgres')('the PostgreSQL message log', () => {
  it('stores quotes, backslashes, escapes and any Unicode exactly as sent', async () => {
    const channel = await activeChannel()
    const contents = ["it's", "''", 'back\\slash', "E'\\x41'", '$1 $$ ::int', 'line\nbreak\ttab', 'emoji 😀 and ünïcødé', "'); DROP TABLE messages; --"]
    const drafts: MessageDraft[] = contents.map((content, i) => ({
      channelId: channel.id,
      senderId: i % 2 ? channel.providerId : channel.consumerId,
      content,
      metadata: i === 0 ? { quote: "it's", path: 'C:\\dir' } : undefined,
      clientMsgId: i === 1 ? "k'\\1" : undefined,
    }))
    const outcomes = await db.store.database.log.write(drafts)
    expect(outcomes.map((outcome) => ('stored' in outcome ? outcome.stored.message.seq : outcome.error.message))).toEqual([1, 2, 3, 4, 5, 6, 7, 8])
    const rows = await stored(channel.id)
    expect(rows.map((row) => row.content)).toEqual(contents)
    expect(rows[0]?.metadata).toBe(JSON.stringify({ quote: "it's", path: 'C:\\dir' }))
    expect(rows[1]?.clientMsgId).toBe("k'\\1")
    expect(rows.map((row) => row.senderId)).toEqual(drafts.map((draft) => draft.senderId))
    // A retry of that client_msg_id finds the original.
    const [retry] = await db.store.database.log.write([{ ...(drafts[1] as MessageDraft), content: 'again' }])
    expect(retry).toMatchObject({ stored: { duplicate: true, message: { seq: 2, content: "''" } } })
  })

  it('fails a batch whose reservation moves fewer channels than it locked, before its COMMIT, and stores nothing', async () => {
    const [moving, held] = [await activeChannel(), await activeChannel()]
    // What a row lock rules out, made to happen: one channel's reservation changes nothing.
    await runStatements(db.temp.url, [
      `CREATE FUNCTION hold_seq() RETURNS trigger AS $$ BEGIN IF NEW.id = '${held.id}' AND NEW.last_seq <> OLD.last_seq THEN RETURN NULL; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
      'CREATE TRIGGER hold_seq BEFORE UPDATE ON channels FOR EACH ROW EXECUTE FUNCTION hold_seq()',
    ])
    const drafts = [moving, held].map((channel) => ({ channelId: channel.id, senderId: channel.consumerId, content: 'hello' }))
    await expect(db.store.database.log.write(drafts)).rejects.toThrow(/1 of the batch's channels changed under their lock/)
    expect(await stored(moving.id)).toEqual([])
    expect((await db.store.channels.get(moving.id))?.lastSeq).toBe(0)

    // The pooled connection is back in the pool, its transaction rolled back, and serves the next batch.
    await runStatements(db.temp.url, ['DROP TRIGGER hold_seq ON channels'])
    const outcomes = await db.store.database.log.write(drafts)
    expect(outcomes.map((outcome) => 'stored' in outcome && outcome.stored.message.seq)).toEqual([1, 1])
  })

  it('stores a batch on channels it wrote before in one statement, and reads them under their lock when they were not as known', async () => {
    const [a, b] = [await activeChannel(), await activeChannel()]
    // What the batches send: the statements' first words, one entry per round trip.
    const sent: string[] = []
    const pool = (db.store.database.log as unknown as { pool: pg.Pool }).pool
    const watched = new WeakSet<pg.PoolClient>()
    pool.on('acquire', (client) => {
      if (watched.has(client)) return
      watched.add(client)
      const query = client.query.bind(client) as (sql: string) => Promise<unknown>
      Object.assign(client, { query: (sql: unknown, ...rest: unknown[]) => (typeof sql === 'string' && sent.push(sql.slice(0, 30)), (query as (...args: unknown[]) => Promise<unknown>)(sql, ...rest)) })
    })
    const write = async (drafts: MessageDraft[]) => {
      sent.length = 0
      const outcomes = await db.store.database.log.write(drafts)
      return { trips: sent.length, seqs: outcomes.map((o) => ('stored' in o ? [o.stored.message.seq, o.stored.previousSeq, o.stored.duplicate] : o.error.message)) }
    }
    const from = (channel: typeof a, who: 'provider' | 'consumer', content: string, clientMsgId?: string): MessageDraft => ({
      channelId: channel.id,
      senderId: who === 'provider' ? channel.providerId : channel.consumerId,
      content,
      ...(clientMsgId === undefined ? {} : { clientMsgId }),
    })

    // New to this hub: locked and read first, then stored.
    expect(await write([from(a, 'consumer', 'a1', 'k1'), from(b, 'provider', 'b1')])).toEqual({ trips: 2, seqs: [[1, 0, false], [1, 0, false]] })
    // Known: one statement, numbered on and chained from the rows as this hub left them.
    expect(await write([from(a, 'provider', 'a2'), from(a, 'consumer', 'a3', 'k2'), from(b, 'provider', 'b2')])).toEqual({
      trips: 1,
      seqs: [[2, 0, false], [3, 1, false], [2, 1, false]],
    })
    // A retry of a stored client_msg_id: the statement's check fails, and the batch reads the rows and the original.
    expect(await write([from(a, 'consumer', 'a1 again', 'k1'), from(a, 'consumer', 'a4')])).toEqual({ trips: 3, seqs: [[1, 0, true], [4, 3, false]] })
    // Another hub writes to b: this hub's next batch on it finds the row moved, and reads it.
    const other = await db.open()
    await other.writer.submit(from(b, 'consumer', 'b3 from the other hub'))
    expect(await write([from(b, 'provider', 'b4')])).toEqual({ trips: 3, seqs: [[4, 2, false]] })
    // For a while the hub reads b under its lock rather than trusting it; a, as known when the retry read it, stays known.
    expect(await write([from(b, 'consumer', 'b5')])).toEqual({ trips: 2, seqs: [[5, 3, false]] })
    expect(await write([from(a, 'provider', 'a5')])).toEqual({ trips: 1, seqs: [[5, 2, false]] })
    const rows = await stored(b.id)
    expect(rows.map((row) => [row.seq, row.content])).toEqual([[1, 'b1'], [2, 'b2'], [3, 'b3 from the other hub'], [4, 'b4'], [5, 'b5']])
  })
})

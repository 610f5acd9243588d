import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { isoColumn, isoTimestamp, stamp } from '../../src/store/driver-sql.js'

describe('isoTimestamp', () => {
  it('reads what stamp() writes on SQLite, and what Postgres writes, as Date.toISOString does', () => {
    const date = new Date('2026-12-01T19:46:02.116Z')
    expect(isoTimestamp(stamp('sqlite', date))).toBe('2026-12-01T19:46:02.116Z')
    expect(isoTimestamp(stamp('postgresql', date))).toBe('2026-12-01T19:46:02.116Z')
  })

  it('reads text in any other form through a Date, as the rows were read before', () => {
    for (const text of ['2026-12-01T19:46:02.116+02:00', '2026-12-01T19:46:02Z', '2026-12-01 19:46:02.116+00:00', '2026-12-01T19:46:02.1164+00:00']) {
      expect(isoTimestamp(text)).toBe(new Date(text).toISOString())
    }
  })
})

describe('isoColumn', () => {
  it('reads on SQLite, through isoTimestamp, what every stored form reads as without it', () => {
    const db = new Database(':memory:')
    const texts = [stamp('sqlite', new Date('2026-12-01T19:46:02.116Z')), '2026-12-01T19:46:02.116+02:00', '2026-12-01T19:46:02Z', '2026-12-01 19:46:02.116+00:00', '2026-12-01T19:46:02.1164+00:00', '2026-12-01T19:46:02+00:00']
    for (const text of texts) {
      const [read] = db.prepare(`SELECT ${isoColumn('sqlite', 'created_at')} FROM (SELECT ? AS created_at)`).raw(true).get(text) as [string]
      expect(isoTimestamp(read), text).toBe(isoTimestamp(text))
    }
    // What stamp() wrote comes as the JSON's text already.
    expect(db.prepare(`SELECT ${isoColumn('sqlite', 'created_at')} FROM (SELECT ? AS created_at)`).pluck().get(texts[0])).toBe('2026-12-01T19:46:02.116Z')
    db.close()
  })
})

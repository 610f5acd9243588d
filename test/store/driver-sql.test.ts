import { describe, expect, it } from 'vitest'
import { isoTimestamp, stamp } from '../../src/store/driver-sql.js'

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

// Which failures are the storage's condition (answered UNAVAILABLE, logged once) and which are
// the request's own; and the health's one line per cause, however often the failures come.
import { Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import { faultOf } from '../../src/store/faults.js'
import { StorageHealth } from '../../src/store/storage-health.js'

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code })

describe('faultOf', () => {
  it('tells unreachable, full and read-only apart from other failures, raw or wrapped by Prisma', () => {
    expect(faultOf(coded('SQLITE_FULL', 'database or disk is full'))).toBe('full')
    expect(faultOf(coded('SQLITE_READONLY_DBMOVED'))).toBe('read_only')
    expect(faultOf(coded('SQLITE_IOERR_WRITE', 'disk I/O error'))).toBe('read_only')
    expect(faultOf(coded('SQLITE_IOERR_FSYNC', 'disk I/O error'))).toBe('read_only')
    expect(faultOf(coded('53100'))).toBe('full')
    expect(faultOf(coded('25006'))).toBe('read_only')
    expect(faultOf(coded('57P01'))).toBe('unreachable')
    expect(faultOf(coded('08006'))).toBe('unreachable')
    expect(faultOf(coded('ECONNREFUSED'))).toBe('unreachable')
    expect(faultOf(new Error('Connection terminated unexpectedly'))).toBe('unreachable')
    expect(faultOf(new Error('timeout exceeded when trying to connect'))).toBe('unreachable')
    const wrapped = Object.assign(new Error('Raw query failed'), {
      code: 'P2010',
      meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '25006', message: 'cannot execute UPDATE in a read-only transaction' } } },
    })
    expect(faultOf(wrapped)).toBe('read_only')
    expect(faultOf(new Error('boom', { cause: coded('SQLITE_FULL') }))).toBe('full')

    expect(faultOf(coded('23505', 'duplicate key value'))).toBeUndefined()
    expect(faultOf(coded('SQLITE_CONSTRAINT_UNIQUE'))).toBeUndefined()
    expect(faultOf(coded('SQLITE_IOERR_READ', 'disk I/O error'))).toBeUndefined()
    expect(faultOf(new RangeError('Maximum call stack size exceeded'))).toBeUndefined()
    expect(faultOf('not an error')).toBeUndefined()
  })
})

describe('StorageHealth', () => {
  it('answers UNAVAILABLE with retry_after_ms, logs one line per cause, and clears on a commit', async () => {
    const lines: string[] = []
    const health = new StorageHealth({ warn: (_o, m) => lines.push(m), info: (_o, m) => lines.push(m) }, new Registry())
    for (let i = 0; i < 50; i++) {
      const refusal = health.refusal(coded('SQLITE_FULL'))
      expect(refusal).toMatchObject({ code: 'UNAVAILABLE', statusCode: 503, retryAfterMs: 2000 })
      // A small write slipping through a nearly full disk must not bring a new line with it.
      if (i % 10 === 0) health.recovered()
    }
    expect(health.refusal(coded('23505'))).toBeUndefined()
    expect(health.fault).toBe('full')
    health.recovered()
    expect(health.fault).toBeUndefined()
    expect(lines).toEqual(['storage unavailable: the storage is full', 'storage available again'])
    expect(health.refusal(coded('ECONNRESET'))?.retryAfterMs).toBe(500)
    expect(lines).toHaveLength(3)
  })
})

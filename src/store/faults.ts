// Which database failures are the storage's condition rather than the request's: the database
// cannot be reached (restarted, failed over, frozen, timed out), or it answers but cannot take
// writes (disk full, a read-only file or replica). Both are passing: the work was not applied and
// the same request succeeds once the condition ends, so the hub answers them as UNAVAILABLE.
// SQLite names a file it opened read-only SQLITE_READONLY; storage that stops taking writes while
// the file is open (a filesystem the kernel remounted read-only, an immutable file, a failing
// disk) makes its writes fail with an I/O error instead, which counts as read-only too.
// Errors arrive raw (pg, better-sqlite3, Node's sockets) or wrapped by Prisma's driver adapters,
// whose cause chain still carries the driver's code.

export type StorageFault = 'unreachable' | 'full' | 'read_only'

/** Postgres SQLSTATEs: class 08 (connection), 57P0x (shut down, starting up), 53100 disk full, 25006 read-only. */
const PG_FULL = new Set(['53100'])
const PG_READ_ONLY = new Set(['25006'])
const PG_UNREACHABLE = /^(08|57P0[1-4])/
/** SQLite's I/O errors on the way to storing a transaction (writing, syncing, truncating its files). */
const SQLITE_WRITE_IOERR = /^SQLITE_IOERR_(WRITE|FSYNC|DIR_FSYNC|TRUNCATE)$/
/** Query cancelled by statement_timeout: a database too slow to answer counts as away. */
const PG_TIMED_OUT = '57014'
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND'])
/** Prisma's driver-adapter error kinds for the same conditions. */
const ADAPTER_UNREACHABLE = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections', 'DatabaseUnavailable'])
/** pg's own messages for a connection that died or never answered (they carry no code). */
const PG_MESSAGES = [
  'Connection terminated',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'not queryable',
  'Client was closed',
  'Cannot use a pool after calling end',
]

/** The storage condition behind a failure, or undefined for any other failure. */
export function faultOf(error: unknown): StorageFault | undefined {
  for (const link of causeChain(error)) {
    const fault = faultOfLink(link)
    if (fault) return fault
  }
  return undefined
}

function faultOfLink(link: Record<string, unknown>): StorageFault | undefined {
  const code = [link.code, link.originalCode, link.extendedCode].find((value) => typeof value === 'string' || typeof value === 'number')
  return code === undefined ? faultOfMessage(link) : (faultOfCode(String(code)) ?? faultOfMessage(link))
}

function faultOfCode(code: string): StorageFault | undefined {
  if (code === 'SQLITE_FULL' || PG_FULL.has(code)) return 'full'
  if (code.startsWith('SQLITE_READONLY') || SQLITE_WRITE_IOERR.test(code) || PG_READ_ONLY.has(code)) return 'read_only'
  if (PG_UNREACHABLE.test(code) || code === PG_TIMED_OUT || SOCKET_CODES.has(code)) return 'unreachable'
  return undefined
}

function faultOfMessage(link: Record<string, unknown>): StorageFault | undefined {
  if (typeof link.kind === 'string' && ADAPTER_UNREACHABLE.has(link.kind)) return 'unreachable'
  const message = typeof link.message === 'string' ? link.message : ''
  if (/database or disk is full|No space left on device/i.test(message)) return 'full'
  if (/attempt to write a readonly database|read-only transaction/i.test(message)) return 'read_only'
  if (PG_MESSAGES.some((text) => message.includes(text))) return 'unreachable'
  return undefined
}

/** The error, its causes, and Prisma's driver-adapter error inside them, a few levels deep. */
function causeChain(error: unknown): Record<string, unknown>[] {
  const chain: Record<string, unknown>[] = []
  const pending = [error]
  while (pending.length > 0 && chain.length < 8) {
    const link = pending.shift()
    if (typeof link !== 'object' || link === null) continue
    const record = link as Record<string, unknown>
    chain.push(record)
    const meta = record.meta as Record<string, unknown> | undefined
    const errors: unknown[] = Array.isArray(record.errors) ? (record.errors as unknown[]) : []
    pending.push(record.cause, meta?.driverAdapterError, ...errors)
  }
  return chain
}

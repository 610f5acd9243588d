// Sharing the event loop. The database drivers answer synchronously (better-sqlite3, and Prisma's
// query compiler on either database), so a chain of awaits on them never goes back to the loop:
// one connection's queued frames, or a few large history pages, would hold up every socket,
// /healthz included, until they were all done. Work that can come in floods runs as a unit
// through `inTurn`: at once while the current turn of the loop has budget left, otherwise queued,
// in arrival order, and started in later turns one after another while each turn's budget lasts,
// the loop polling its sockets and timers in between.

/** How long one turn may run units before the loop gets its sockets back. */
export const TURN_BUDGET_MS = 10

const waiting: (() => Promise<unknown>)[] = []
/** When the current turn began running units (undefined: none has run since the last check phase). */
let turnStarted: number | undefined
let wakeQueued = false

/** True once the current turn has run its budget; the first call in a turn starts its clock. */
function spent(): boolean {
  const now = performance.now()
  if (turnStarted === undefined) {
    beginTurn(now)
    return false
  }
  return now - turnStarted >= TURN_BUDGET_MS
}

function beginTurn(now: number): void {
  turnStarted = now
  // The loop's next check phase ends it (unless a turn begun since is running there).
  setImmediate(() => turnStarted === now && (turnStarted = undefined))
}

/**
 * Runs `work` now if nothing waits and the turn has budget left, else after everything queued
 * before it. Resolves (or rejects) as `work` does.
 */
export function inTurn<T>(work: () => Promise<T> | T): Promise<T> {
  if (waiting.length === 0 && !spent()) return start(work)
  return new Promise<T>((resolve, reject) => {
    waiting.push(() => {
      const running = start(work)
      running.then(resolve, reject)
      return running
    })
    wake()
  })
}

/** The unit's outcome as a promise, a synchronous throw included. */
const start = <T>(work: () => Promise<T> | T): Promise<T> => new Promise<T>((resolve) => resolve(work()))

/** Units waiting for a turn. */
export const waitingUnits = (): number => waiting.length

/**
 * A unit may go on to more of its own work: the turn has budget left and no other unit waits
 * (work of one source, such as one connection's frames, run as one unit while this holds).
 */
export const turnLeft = (): boolean => waiting.length === 0 && !spent()

function wake(): void {
  if (wakeQueued) return
  wakeQueued = true
  setImmediate(() => {
    wakeQueued = false
    beginTurn(performance.now())
    next()
  })
}

/**
 * Starts the next waiting unit. A unit that finishes within the turn starts the one after it
 * while budget is left; one that waits on I/O lets the next turn start another meanwhile.
 */
function next(): void {
  const unit = waiting.shift()
  if (!unit) return
  void unit()
    .catch(() => undefined)
    .then(() => (spent() ? wake() : next()))
  if (waiting.length > 0) wake()
}

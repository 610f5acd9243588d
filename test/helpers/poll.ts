// Waiting for a condition, never for a fixed time: the one poller of the tests, their helpers and
// the benchmarks (inside a test, expect.poll serves as well).

/** What is awaited, named in the error when it does not come (a function: read at that moment). */
type What = string | (() => string)

/**
 * Reads until `done` accepts what was read, and returns it. Fails after `timeoutMs`, naming what
 * it waited for and the last value read; an error thrown by `read` ends the wait at once.
 */
export async function poll<T>(read: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000, what: What = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) {
      throw new Error(`${typeof what === 'string' ? what : what()} not met within ${timeoutMs} ms; last: ${JSON.stringify(value)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/** Polls until the check holds. */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what: What = 'condition'): Promise<void> {
  await poll(check, (holds) => holds, timeoutMs, what)
}

// Waiting with a bound: for a promise, or until a time has passed, whichever comes first.

/** Resolves when the promise settles or after `ms` (Infinity: no bound), whichever comes first. */
export async function within(ms: number, promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => {
    if (ms !== Infinity) timer = setTimeout(resolve, ms)
  })
  await Promise.race([promise.then(noop, noop), timeout])
  clearTimeout(timer)
}

const noop = (): void => undefined

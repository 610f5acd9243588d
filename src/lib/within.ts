// Waiting with a bound: for a promise, or until a time has passed, whichever comes first.

/** Resolves when the promise settles (true) or after `ms` (false; Infinity: no bound), whichever comes first. */
export async function within(ms: number, promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<boolean>((resolve) => {
    if (ms !== Infinity) timer = setTimeout(() => resolve(false), ms)
  })
  const settled = await Promise.race([promise.then(done, done), timeout])
  clearTimeout(timer)
  return settled
}

const done = (): boolean => true

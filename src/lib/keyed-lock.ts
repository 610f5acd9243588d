// Runs async work one at a time per key, so that two concurrent requests for the same pair of
// agents cannot both open a channel.
/** Runs work exclusively per key. */
export interface Locks {
  run<T>(key: string, work: () => Promise<T>): Promise<T>
}

export class KeyedLock implements Locks {
  private readonly tails = new Map<string, Promise<unknown>>()

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const result = previous.then(work, work)
    const tail = result.then(
      () => undefined,
      () => undefined,
    )
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return result
  }
}

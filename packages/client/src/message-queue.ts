// An unbounded push queue read as an async iterator: the bridge between messages pushed by
// the socket and a caller's `for await`. Ending it lets queued items drain first; ending it
// with an error throws that error from the iterator once they are drained.
export class MessageQueue<T> implements AsyncIterableIterator<T> {
  private readonly items: T[] = []
  private readonly waiting: { resolve(result: IteratorResult<T>): void; reject(error: unknown): void }[] = []
  private done = false
  private failure: Error | undefined

  /** `onReturn` runs once when the consumer stops early (break) or the queue ends. */
  constructor(private readonly onReturn?: () => void) {}

  push(item: T): void {
    if (this.done) return
    const waiter = this.waiting.shift()
    if (waiter) waiter.resolve({ value: item, done: false })
    else this.items.push(item)
  }

  end(error?: Error): void {
    if (this.done) return
    this.done = true
    this.onReturn?.()
    const waiting = this.waiting.splice(0)
    // Someone already waits (so nothing is queued): hand them the error; else keep it for later.
    if (error && waiting.length > 0) {
      for (const waiter of waiting) waiter.reject(error)
      return
    }
    this.failure = error
    for (const waiter of waiting) waiter.resolve({ value: undefined, done: true })
  }

  next(): Promise<IteratorResult<T>> {
    if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false })
    if (this.done) {
      const failure = this.failure
      this.failure = undefined
      return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true })
    }
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }))
  }

  return(): Promise<IteratorResult<T>> {
    this.items.length = 0
    this.end()
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): this {
    return this
  }
}

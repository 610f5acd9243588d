// One read for many keys: keys asked for while a read runs wait for it to end and are then read
// together, so that a storm of connects (each needing its agent's row set) costs a few queries,
// not one each, while a lone request is read at once. A key is always read by a read that
// started after it was asked for: what was written before the question is in the answer.
interface Waiter<V> {
  resolve: (value: V) => void
  reject: (error: unknown) => void
}

export class ReadBatch<K, V> {
  private waiting = new Map<K, Waiter<V>[]>()
  private running = false

  constructor(
    /** Reads these keys; a key missing from the answer gets `absent()`. */
    private readonly readMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly absent: () => V,
  ) {}

  get(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      const waiters = this.waiting.get(key)
      if (waiters) waiters.push({ resolve, reject })
      else this.waiting.set(key, [{ resolve, reject }])
      if (!this.running) void this.drain()
    })
  }

  private async drain(): Promise<void> {
    this.running = true
    while (this.waiting.size > 0) {
      const batch = this.waiting
      this.waiting = new Map()
      try {
        const found = await this.readMany([...batch.keys()])
        for (const [key, waiters] of batch) {
          for (const waiter of waiters) waiter.resolve(found.get(key) ?? this.absent())
        }
      } catch (error) {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error)
      }
    }
    this.running = false
  }
}

// The requests waiting to be written, oldest first. New ones join at the back; one written and to
// be written again (refused for now, or its socket dropped) goes back in order of creation ahead
// of every new one (written entries are always older than those never written). Settled entries
// are skipped when they reach the front.
export interface Queued {
  /** Order of creation. */
  order: number
  settled: boolean
}

export class WriteQueue<T extends Queued> {
  /** Never written yet, oldest first (from `head`). */
  private readonly fresh: T[] = []
  private head = 0
  /** Written once and to be written again, oldest first. */
  private readonly again: T[] = []

  push(entry: T): void {
    this.fresh.push(entry)
  }

  /** Puts a written entry back, ahead of all new ones, in order of creation. */
  requeue(entry: T): void {
    let at = this.again.length
    while (at > 0 && (this.again[at - 1] as T).order > entry.order) at--
    this.again.splice(at, 0, entry)
  }

  /** The oldest entry still waiting, or undefined. */
  peek(): T | undefined {
    for (;;) {
      const entry = this.again[0] ?? this.fresh[this.head]
      if (entry === undefined || !entry.settled) return entry
      this.shift()
    }
  }

  /** Takes the front entry out (after peek()). */
  shift(): void {
    if (this.again.length > 0) this.again.shift()
    else this.head++
    // Compact now and then, so that the array does not hold what was written.
    if (this.head > 1024 && this.head * 2 > this.fresh.length) {
      this.fresh.splice(0, this.head)
      this.head = 0
    }
  }
}

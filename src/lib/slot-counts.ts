// Counting the slots of a connection limit (MAX_CONNECTIONS_PER_AGENT, MAX_CONNECTIONS_PER_ADDRESS):
// what a counter promises, and the count of one process. The broker hands out the counter of
// each limit: this one for a hub that runs alone, one that also counts in Redis for a cluster.

/** A slot reserved for one upgrade: held from take() until release(), unless `granted` says no. */
export interface Slot {
  /** False when the limit, counted wherever the counter counts, is already full; true at once when nothing else counts. */
  granted: Promise<boolean> | true
  /** Gives the slot back; a no-op the second time. */
  release: () => void
}

export interface SlotCounter {
  /** Reserves a slot for `key`, or undefined when this process already holds `max` of them. */
  take(key: string, max: number): Slot | undefined
}

/** The slots held in this process, per key. */
export class SlotCounts implements SlotCounter {
  private readonly held = new Map<string, number>()

  take(key: string, max: number): Slot | undefined {
    const count = this.count(key)
    if (count >= max) return undefined
    this.held.set(key, count + 1)
    let released = false
    const release = () => {
      if (released) return
      released = true
      const left = this.count(key) - 1
      if (left > 0) this.held.set(key, left)
      else this.held.delete(key)
    }
    return { granted: true, release }
  }

  /** The slots held for `key`. */
  count(key: string): number {
    return this.held.get(key) ?? 0
  }

  /** Every key holding slots, with its count. */
  all(): Map<string, number> {
    return new Map(this.held)
  }
}

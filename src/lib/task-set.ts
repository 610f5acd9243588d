// Background work that must finish before a shutdown closes what it uses (the database).
import { within } from './within.js'

export class TaskSet {
  private readonly tasks = new Set<Promise<unknown>>()

  /** Runs the task in the background; its failure goes to onError. */
  run(task: () => Promise<unknown>, onError: (error: unknown) => void): void {
    const running = task().catch(onError)
    this.tasks.add(running)
    void running.finally(() => this.tasks.delete(running))
  }

  /** Waits for a promise someone else started (its failure is that caller's to handle). */
  track(promise: Promise<unknown>): void {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    )
    this.tasks.add(settled)
    void settled.finally(() => this.tasks.delete(settled))
  }

  get size(): number {
    return this.tasks.size
  }

  /** Resolves once every task started so far has settled (true), or after `timeoutMs` (false). */
  settled(timeoutMs = Infinity): Promise<boolean> {
    const all = (async () => {
      while (this.tasks.size > 0) await Promise.allSettled([...this.tasks])
    })()
    return within(timeoutMs, all)
  }
}

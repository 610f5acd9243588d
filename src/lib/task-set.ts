// Background work that must finish before a shutdown closes what it uses (the database).
export class TaskSet {
  private readonly tasks = new Set<Promise<unknown>>()

  /** Runs the task in the background; its failure goes to onError. */
  run(task: () => Promise<unknown>, onError: (error: unknown) => void): void {
    const running = task().catch(onError)
    this.tasks.add(running)
    void running.finally(() => this.tasks.delete(running))
  }

  /** Resolves once every task started so far has settled. */
  async settled(): Promise<void> {
    while (this.tasks.size > 0) await Promise.allSettled([...this.tasks])
  }
}

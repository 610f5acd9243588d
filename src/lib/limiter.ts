// Runs at most `size` pieces of async work at once; the rest wait, in arrival order, for a slot.
export class Limiter {
  private running = 0
  private readonly waiting: (() => void)[] = []

  constructor(private readonly size: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running < this.size) this.running++
    else await new Promise<void>((resolve) => this.waiting.push(resolve))
    try {
      return await work()
    } finally {
      // The slot passes to the next in line, or is given back.
      const next = this.waiting.shift()
      if (next) next()
      else this.running--
    }
  }
}

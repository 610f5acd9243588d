// The event loop's turns (src/lib/turns.ts): units run at once while a turn has budget left;
// once it is spent, they wait in arrival order and the loop gets its sockets and timers back
// before they run; a unit's outcome, a synchronous throw included, reaches its caller.
import { describe, expect, it } from 'vitest'
import { inTurn, TURN_BUDGET_MS, waitingUnits } from '../../src/lib/turns.js'

/** Holds the thread for more than a turn's budget, as a burst of synchronous database work does. */
function spendTurn(): void {
  const until = performance.now() + TURN_BUDGET_MS + 5
  while (performance.now() < until);
}

describe('inTurn', () => {
  it('runs a unit at once while the turn has budget left', async () => {
    await new Promise((resolve) => setImmediate(resolve))
    let ran = false
    const done = inTurn(() => {
      ran = true
      return 42
    })
    expect(ran).toBe(true)
    expect(await done).toBe(42)
  })

  it('queues units once the turn is spent, runs them in arrival order, and lets a timer run first', async () => {
    await new Promise((resolve) => setImmediate(resolve))
    const order: string[] = []
    // Due by the time the spent turn ends.
    const timer = new Promise<void>((resolve) => setTimeout(() => resolve(void order.push('timer')), 0))
    void inTurn(spendTurn)
    const units = ['a', 'b', 'c'].map((name) => inTurn(() => void order.push(name)))
    expect(waitingUnits()).toBe(3)
    expect(order).toEqual([])
    await Promise.all([timer, ...units])
    expect(order).toEqual(['timer', 'a', 'b', 'c'])
    expect(waitingUnits()).toBe(0)
  })

  it('spreads spent turns over several turns of the loop, each unit once', async () => {
    await new Promise((resolve) => setImmediate(resolve))
    const ran: number[] = []
    const turnsSeen = new Set<number>()
    let loopTurn = 0
    const ticking = setInterval(() => loopTurn++, 0)
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        inTurn(() => {
          spendTurn()
          ran.push(i)
          turnsSeen.add(loopTurn)
        }),
      ),
    )
    clearInterval(ticking)
    expect(ran).toEqual([0, 1, 2, 3, 4, 5])
    // One unit spends a whole turn: the timer ran between them.
    expect(turnsSeen.size).toBeGreaterThan(1)
  })

  it('passes a rejection, or a synchronous throw, to its caller and goes on with the next unit', async () => {
    await new Promise((resolve) => setImmediate(resolve))
    void inTurn(spendTurn)
    const thrown = inTurn(() => {
      throw new Error('sync')
    })
    const rejected = inTurn(() => Promise.reject(new Error('async')))
    const after = inTurn(() => 'after')
    await expect(thrown).rejects.toThrow('sync')
    await expect(rejected).rejects.toThrow('async')
    expect(await after).toBe('after')
  })
})

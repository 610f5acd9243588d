// The limiter (src/lib/limiter.ts): at most `size` pieces of work at once, the rest started in
// arrival order as slots free up, a failure freeing its slot like a success.
import { expect, it } from 'vitest'
import { Limiter } from '../../src/lib/limiter.js'

it('runs at most its size at once, the rest in arrival order, and frees the slot of a failure', async () => {
  const limiter = new Limiter(2)
  let running = 0
  let most = 0
  const started: number[] = []
  const gates = Array.from({ length: 5 }, () => {
    let resolve = () => {}
    const promise = new Promise<void>((done) => (resolve = done))
    return { promise, resolve }
  })
  const runs = gates.map((gate, i) =>
    limiter.run(async () => {
      started.push(i)
      most = Math.max(most, ++running)
      await gate.promise
      running--
      if (i === 1) throw new Error('failed')
      return i
    }),
  )
  await new Promise((resolve) => setImmediate(resolve))
  expect(started).toEqual([0, 1])
  gates[1]?.resolve()
  await expect(runs[1]).rejects.toThrow('failed')
  expect(started).toEqual([0, 1, 2])
  for (const gate of gates) gate.resolve()
  expect(await Promise.all([runs[0], runs[2], runs[3], runs[4]])).toEqual([0, 2, 3, 4])
  expect(started).toEqual([0, 1, 2, 3, 4])
  expect(most).toBe(2)
})

// ReadBatch: keys asked for while a read runs are read together by the next one, never answered
// by a read that began before they were asked for; a failed read fails only its own keys.
import { describe, expect, it } from 'vitest'
import { ReadBatch } from '../../src/lib/read-batch.js'

/** A store whose reads finish when the test says, recording which keys each read was given. */
function heldStore() {
  const reads: { keys: string[]; finish: (error?: Error) => void }[] = []
  const values = new Map<string, number>()
  const batch = new ReadBatch<string, number | undefined>(
    (keys) =>
      new Promise((resolve, reject) => {
        // What the read sees is what was there when it began.
        const seen = new Map(keys.filter((key) => values.has(key)).map((key) => [key, values.get(key)]))
        reads.push({ keys, finish: (error) => (error ? reject(error) : resolve(seen)) })
      }),
    () => undefined,
  )
  return { batch, reads, values }
}

describe('ReadBatch', () => {
  it('reads a lone key at once, and the keys asked for meanwhile together, next', async () => {
    const { batch, reads, values } = heldStore()
    values.set('a', 1)
    const first = batch.get('a')
    expect(reads.map((read) => read.keys)).toEqual([['a']])

    values.set('a', 2)
    values.set('b', 3)
    const later = [batch.get('a'), batch.get('b'), batch.get('b'), batch.get('c')]
    // Still one read: the others wait for it.
    expect(reads).toHaveLength(1)
    reads[0]?.finish()
    expect(await first).toBe(1)

    await expect.poll(() => reads.length).toBe(2)
    expect(reads[1]?.keys).toEqual(['a', 'b', 'c'])
    reads[1]?.finish()
    // 'a' was asked for after the first read began: it is answered by the second, with its new value.
    expect(await Promise.all(later)).toEqual([2, 3, 3, undefined])
  })

  it('fails the keys of a failed read only, and reads the next ones', async () => {
    const { batch, reads, values } = heldStore()
    values.set('b', 5)
    const failing = batch.get('a')
    const next = batch.get('b')
    reads[0]?.finish(new Error('database gone'))
    await expect(failing).rejects.toThrow('database gone')
    await expect.poll(() => reads.length).toBe(2)
    reads[1]?.finish()
    expect(await next).toBe(5)
  })
})

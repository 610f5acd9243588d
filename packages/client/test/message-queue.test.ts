// The async-iterator bridge: order, waiting readers, ending cleanly and with an error.
import { describe, expect, it } from 'vitest'
import { MessageQueue } from '../src/message-queue.js'

describe('MessageQueue', () => {
  it('yields pushed items in order, to readers that came before or after', async () => {
    const queue = new MessageQueue<number>()
    const early = queue.next()
    queue.push(1)
    queue.push(2)
    expect(await early).toEqual({ value: 1, done: false })
    expect(await queue.next()).toEqual({ value: 2, done: false })
  })

  it('drains queued items before reporting the end', async () => {
    const queue = new MessageQueue<string>()
    queue.push('a')
    queue.push('b')
    queue.end()
    queue.push('ignored')
    const seen: string[] = []
    for await (const item of queue) seen.push(item)
    expect(seen).toEqual(['a', 'b'])
  })

  it('throws the end error after the queued items', async () => {
    const queue = new MessageQueue<string>()
    queue.push('a')
    queue.end(new Error('gone'))
    expect(await queue.next()).toEqual({ value: 'a', done: false })
    await expect(queue.next()).rejects.toThrow('gone')
    expect(await queue.next()).toEqual({ value: undefined, done: true })
  })

  it('rejects a waiting reader with the end error', async () => {
    const queue = new MessageQueue<string>()
    const waiting = queue.next()
    queue.end(new Error('lost'))
    await expect(waiting).rejects.toThrow('lost')
  })

  it('runs onReturn once when the reader breaks out', async () => {
    let returned = 0
    const queue = new MessageQueue<number>(() => returned++)
    queue.push(1)
    queue.push(2)
    for await (const item of queue) if (item === 1) break
    queue.end()
    expect(returned).toBe(1)
    expect(await queue.next()).toEqual({ value: undefined, done: true })
  })
})

// A ws Receiver ended a second time (as ws does when the peer closes) still answers as
// Writable.end() does: the stream back, nothing emitted, and the error given to a callback that
// asks for it. (That the error is no longer built for nobody shows in a CPU profile only.)
import { once } from 'node:events'
import type { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import * as ws from 'ws'
import { skipFinishedReceiverEnd } from '../../src/transport/receiver-end.js'

const { Receiver } = ws as unknown as { Receiver: { new (options: object): Writable; prototype: Writable } }

describe('a finished ws Receiver ended again', () => {
  it('is a no-op without a callback and still reports ERR_STREAM_ALREADY_FINISHED to one', async () => {
    skipFinishedReceiverEnd()
    const patched: unknown = Reflect.get(Receiver.prototype, 'end')
    expect(Object.hasOwn(Receiver.prototype, 'end')).toBe(true)
    skipFinishedReceiverEnd() // idempotent: the second call does not wrap the first
    expect(Reflect.get(Receiver.prototype, 'end')).toBe(patched)
    const receiver = new Receiver({ isServer: true, maxPayload: 1024 })
    const errors: unknown[] = []
    receiver.on('error', (error) => errors.push(error))
    receiver.end()
    await once(receiver, 'finish')
    expect(receiver.end()).toBe(receiver)
    expect(receiver.writableFinished).toBe(true)

    const told = await new Promise<unknown>((resolve) => receiver.end(resolve))
    expect((told as { code?: string }).code).toBe('ERR_STREAM_ALREADY_FINISHED')
    expect(errors).toEqual([])
  })
})

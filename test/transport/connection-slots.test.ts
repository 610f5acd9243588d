// ConnectionSlots gives each upgrade's slot back exactly once, whichever comes first: its socket
// closing, release(), a refusal by the counter, or a socket that closed before its slot was taken.
import { EventEmitter } from 'node:events'
import type { IncomingMessage } from 'node:http'
import { describe, expect, it } from 'vitest'
import { SlotCounts, type Slot, type SlotCounter } from '../../src/lib/slot-counts.js'
import { ConnectionSlots } from '../../src/transport/limits.js'

/** An upgrade request whose socket the test closes. */
function upgrade(destroyed = false): IncomingMessage & { close(): void } {
  const socket = Object.assign(new EventEmitter(), { destroyed })
  return Object.assign({ socket } as unknown as IncomingMessage, {
    close: () => {
      socket.destroyed = true
      socket.emit('close')
    },
  })
}

const refusals = (slots: ConnectionSlots, key: string, request: IncomingMessage) =>
  slots.take(key, request).then(
    () => 'taken',
    (error: Error & { code?: string }) => error.code,
  )

describe('ConnectionSlots', () => {
  it('gives a slot back once, on the first of socket close and release()', async () => {
    const counts = new SlotCounts()
    const slots = new ConnectionSlots(counts, 2)
    const first = upgrade()
    const second = upgrade()
    await slots.take('agent', first)
    await slots.take('agent', second)
    expect(await refusals(slots, 'agent', upgrade())).toBe('TOO_MANY_CONNECTIONS')
    slots.release(first)
    first.close()
    slots.release(first)
    expect(counts.count('agent')).toBe(1)
    second.close()
    expect(counts.count('agent')).toBe(0)
  })

  it('gives the slot back at once when the counter refuses it, and not again when the socket closes', async () => {
    const counts = new SlotCounts()
    // Counts here, but the cluster (as a counter in Redis would say) is full.
    const full: SlotCounter = {
      take: (key, max): Slot | undefined => {
        const slot = counts.take(key, max)
        return slot && { granted: Promise.resolve(false), release: slot.release }
      },
    }
    let refused = 0
    const slots = new ConnectionSlots(full, 2, () => refused++)
    const request = upgrade()
    expect(await refusals(slots, 'agent', request)).toBe('TOO_MANY_CONNECTIONS')
    expect(counts.count('agent')).toBe(0)
    request.close()
    expect(counts.count('agent')).toBe(0)
    expect(refused).toBe(1)
  })

  it('gives the slot back when the socket closed before it was taken', async () => {
    const counts = new SlotCounts()
    const slots = new ConnectionSlots(counts, 2)
    await slots.take('agent', upgrade(true))
    expect(counts.count('agent')).toBe(0)
  })
})

// The delivery rules of one connection × channel, without a socket or a database: a fake outlet
// records what goes out, and a fake store serves recover(after, through).
import { describe, expect, it } from 'vitest'
import { ChannelDelivery } from '../../src/delivery/channel-delivery.js'
import { HeldBudget } from '../../src/delivery/ports.js'
import { messageJson } from '../../src/protocol/builders.js'
import { fakeOutlet, fakeStore, message, settle, type FakeOutlet } from './fakes.js'

function channel(outlet: FakeOutlet, store = fakeStore(), options: { held?: boolean; budget?: HeldBudget } = {}) {
  const delivered: number[] = []
  let gaps = 0
  const delivery = new ChannelDelivery({
    channelId: 'ch',
    outlet,
    recover: store.recover,
    events: { delivered: (_channelId, _role, seq) => delivered.push(seq), gap: () => gaps++, undeliverable: () => undefined },
    budget: options.budget ?? new HeldBudget(),
    held: options.held ?? false,
  })
  delivery.role = 'consumer'
  const live = (seq: number, previousSeq = seq - 1) => delivery.deliver(message(seq), messageJson(message(seq)), previousSeq)
  return { delivery, live, delivered, gaps: () => gaps }
}

describe('ordering', () => {
  it('sends live messages in seq order, each once, and moves the cursor as each leaves', () => {
    const outlet = fakeOutlet()
    const { live, delivered } = channel(outlet)
    live(1)
    live(2)
    live(2)
    live(1)
    expect(outlet.seqs()).toEqual([1, 2])
    expect(delivered).toEqual([1, 2])
  })

  it('moves the cursor only for what has left for the network', () => {
    const outlet = fakeOutlet()
    outlet.holdWrites = true
    const { live, delivered } = channel(outlet)
    live(1)
    live(2)
    expect(delivered).toEqual([])
    outlet.unsent[0]?.()
    outlet.unsent[1]?.(new Error('socket closed'))
    expect(delivered).toEqual([1])
  })

  it('starts after what the client has, and sends nothing on a closing socket', () => {
    const outlet = fakeOutlet()
    const { delivery, live } = channel(outlet)
    delivery.startAt(5)
    delivery.startAt(1) // only the first starting point counts
    live(5)
    live(6)
    outlet.isOpen = false
    live(7)
    expect(outlet.seqs()).toEqual([6])
  })
})

describe('holding during replay', () => {
  it('holds live messages while the backlog replays, then sends what the replay did not', async () => {
    const outlet = fakeOutlet()
    const store = fakeStore([message(3), message(4)])
    const { delivery, live } = channel(outlet, store, { held: true })
    delivery.startAt(2)
    live(4)
    live(5)
    expect(outlet.seqs()).toEqual([])
    expect(await delivery.replay(2)).toBe(2)
    expect(outlet.seqs()).toEqual([3, 4])
    delivery.release()
    expect(outlet.seqs()).toEqual([3, 4, 5])
    live(6)
    expect(outlet.seqs()).toEqual([3, 4, 5, 6])
  })

  it('drops a connection that holds back more than its budget', () => {
    const outlet = fakeOutlet()
    const { live } = channel(outlet, fakeStore(), { held: true, budget: new HeldBudget(2) })
    live(1)
    live(2)
    expect(outlet.slow).toBe(0)
    live(3)
    expect(outlet.slow).toBe(1)
  })

  it('paces a replay by the socket: while congested it waits for each write before the next', async () => {
    const outlet = fakeOutlet()
    outlet.holdWrites = true
    outlet.congested = true
    const { delivery } = channel(outlet, fakeStore([message(1), message(2), message(3)]))
    const replaying = delivery.replay(0)
    await settle()
    expect(outlet.seqs()).toEqual([1])
    outlet.unsent[0]?.()
    await settle()
    expect(outlet.seqs()).toEqual([1, 2])
    outlet.congested = false
    outlet.unsent[1]?.()
    expect(await replaying).toBe(3)
    expect(outlet.seqs()).toEqual([1, 2, 3])
  })
})

describe('gap fill', () => {
  it('recovers from the store the messages a live one follows when they were not sent here', async () => {
    const outlet = fakeOutlet()
    const store = fakeStore([1, 2, 3, 4].map((seq) => message(seq)))
    const { live, gaps } = channel(outlet, store)
    live(1)
    live(4, 3)
    await settle()
    expect(outlet.seqs()).toEqual([1, 2, 3, 4])
    expect(store.asked).toEqual([[1, 3]])
    expect(gaps()).toBe(1)
  })

  it('holds what arrives during a fill and sends it afterwards, in seq order, each once', async () => {
    const outlet = fakeOutlet()
    const store = fakeStore([1, 2, 3].map((seq) => message(seq)))
    const { live, gaps } = channel(outlet, store)
    const open = store.holdBack()
    live(4, 3)
    live(6, 5)
    live(5, 4)
    live(3, 2)
    expect(outlet.seqs()).toEqual([])
    open()
    await settle()
    expect(outlet.seqs()).toEqual([1, 2, 3, 4, 5, 6])
    expect(store.asked).toEqual([[0, 3]])
    expect(gaps()).toBe(1)
  })

  it('catches up to word of what the other party sent, with no message of its own', async () => {
    const outlet = fakeOutlet()
    const store = fakeStore([message(1), message(2)])
    const { delivery } = channel(outlet, store)
    delivery.catchUp(2)
    await settle()
    delivery.catchUp(2)
    await settle()
    expect(outlet.seqs()).toEqual([1, 2])
    expect(store.asked).toEqual([[0, 2]])
  })

  it('goes on when the store lacks what a live message names', async () => {
    const outlet = fakeOutlet()
    const { live } = channel(outlet, fakeStore())
    live(3, 2)
    await settle()
    live(4)
    expect(outlet.seqs()).toEqual([3, 4])
  })

  it('closes the connection when the store cannot be read, sending nothing out of order', async () => {
    const outlet = fakeOutlet()
    const store = fakeStore()
    store.failWith(new Error('database down'))
    const { live } = channel(outlet, store)
    live(2, 1)
    await settle()
    expect(outlet.failed).toBe(1)
    expect(outlet.seqs()).toEqual([])
  })
})

describe('status told', () => {
  it('only moves forward, so a stale read never takes it back', () => {
    const { delivery } = channel(fakeOutlet())
    expect(delivery.status).toBeUndefined()
    expect(delivery.told('active')).toBe(true)
    expect(delivery.told('pending')).toBe(false)
    expect(delivery.told('active')).toBe(false)
    expect(delivery.status).toBe('active')
    expect(delivery.told('ended')).toBe(true)
    expect(delivery.told('rejected')).toBe(false)
    expect(delivery.status).toBe('ended')
  })
})

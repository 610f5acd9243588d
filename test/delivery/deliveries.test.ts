// A connection's deliveries across its channels, without a socket or a database: live delivery
// held until the backlog is sent, the statuses it is told (and forgets, oldest first), and the
// channels it follows.
import { describe, expect, it } from 'vitest'
import { Deliveries, MAX_STATUSES } from '../../src/delivery/deliveries.js'
import type { Role } from '../../src/domain/channel.js'
import { messageJson } from '../../src/protocol/builders.js'
import { fakeOutlet, fakeStore, message } from './fakes.js'

function deliveries() {
  const outlet = fakeOutlet()
  const store = fakeStore()
  const cursors: [string, Role, number][] = []
  const connection = new Deliveries('consumer', outlet, () => store.recover, {
    delivered: (channelId, role, seq) => cursors.push([channelId, role, seq]),
    gap: () => undefined,
    undeliverable: () => undefined,
  })
  const live = (channelId: string, seq: number) =>
    connection.deliver(message(seq, 'provider', channelId), messageJson(message(seq, 'provider', channelId)), 'consumer', seq - 1)
  return { connection, outlet, cursors, live }
}

const accept = (channelId: string) =>
  ({
    type: 'chat_accept',
    channel_id: channelId,
    provider_id: 'provider',
    consumer_id: 'consumer',
    service_id: null,
    status: 'active',
    created_at: '2026-01-01T00:00:00.000Z',
    ended_at: null,
    end_reason: null,
    ended_by: null,
    last_seq: 0,
  }) as const

describe('a connection’s deliveries', () => {
  it('hold every channel until the backlog is sent, then deliver at once, advancing each channel’s cursor', () => {
    const { connection, outlet, cursors, live } = deliveries()
    live('a', 1)
    live('b', 1)
    expect(outlet.frames).toEqual([])
    connection.goLive()
    live('c', 1)
    expect(outlet.seqs('a')).toEqual([1])
    expect(outlet.seqs('b')).toEqual([1])
    expect(outlet.seqs('c')).toEqual([1])
    expect(cursors).toEqual([
      ['a', 'consumer', 1],
      ['b', 'consumer', 1],
      ['c', 'consumer', 1],
    ])
  })

  it('record the status a frame tells as it goes out, and what the connection is owed without one', () => {
    const { connection, outlet } = deliveries()
    connection.tell(accept('a'))
    connection.know('b', 'pending')
    expect(outlet.frames.map((f) => f.type)).toEqual(['chat_accept'])
    expect(connection.statusOf('a')).toBe('active')
    expect(connection.statusOf('b')).toBe('pending')
    expect(connection.statusOf('c')).toBeUndefined()
    connection.know('a', 'ended')
    expect(connection.following()).toEqual(['b'])
  })

  it(`remember the statuses of the latest ${MAX_STATUSES} channels, forgetting the oldest first`, () => {
    const { connection } = deliveries()
    for (let i = 0; i <= MAX_STATUSES; i++) connection.know(`ch${i}`, 'active')
    expect(connection.statusOf('ch0')).toBeUndefined()
    expect(connection.statusOf('ch1')).toBe('active')
    expect(connection.following()).toHaveLength(MAX_STATUSES)
  })
})

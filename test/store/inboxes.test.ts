// Where delivery stands per agent (ChannelStore.inboxes) on a real database (SQLite, or Postgres
// with HUB_TEST_DATABASE=postgres): which channels are listed, with which cursor and inbound
// seq, for both parties, and across agent lists longer than one query takes. And where the life
// cycle stands (ChannelStore.statesOf), which catching up compares with what connections heard.
import { describe, expect, it } from 'vitest'
import { useTempStore } from '../helpers/store.js'

const db = useTempStore()

let counter = 0
async function channel(status: 'active' | 'pending' = 'active') {
  const providerId = `prov-${++counter}`
  const consumerId = `cons-${counter}`
  await db.store.agents.ensure([providerId, consumerId])
  return db.store.channels.create({ providerId, consumerId, serviceId: null, status })
}

const send = (channelId: string, senderId: string, count = 1) =>
  Promise.all(Array.from({ length: count }, (_, i) => db.store.writer.submit({ channelId, senderId, content: `m${i}` })))
const end = (channelId: string) => db.store.channels.transition(channelId, ['active'], 'ended', { endedAt: new Date() })

describe('ChannelStore.inboxes', () => {
  it('lists an active channel with nothing pending', async () => {
    const ch = await channel()
    expect(await db.store.inboxes.of([ch.providerId])).toEqual([
      { agentId: ch.providerId, channelId: ch.id, role: 'provider', deliveredSeq: 0, inboundSeq: 0, status: 'active' },
    ])
  })

  it('lists an ended channel while inbound messages were not sent, and drops it once they were', async () => {
    const ch = await channel()
    await send(ch.id, ch.consumerId, 2)
    await send(ch.id, ch.providerId)
    await end(ch.id)
    expect(await db.store.inboxes.of([ch.providerId])).toEqual([
      { agentId: ch.providerId, channelId: ch.id, role: 'provider', deliveredSeq: 0, inboundSeq: 2, status: 'ended' },
    ])

    await db.store.database.log.saveCursors([{ channelId: ch.id, role: 'provider', seq: 1 }])
    expect(await db.store.inboxes.of([ch.providerId])).toMatchObject([{ deliveredSeq: 1, inboundSeq: 2 }])

    await db.store.database.log.saveCursors([{ channelId: ch.id, role: 'provider', seq: 2 }])
    expect(await db.store.inboxes.of([ch.providerId])).toEqual([])
  })

  it('does not count an agent’s own messages as inbound', async () => {
    const ch = await channel()
    await send(ch.id, ch.providerId, 3)
    await end(ch.id)
    expect(await db.store.inboxes.of([ch.providerId])).toEqual([])
    // The consumer, though, has not been sent them.
    expect(await db.store.inboxes.of([ch.consumerId])).toEqual([
      { agentId: ch.consumerId, channelId: ch.id, role: 'consumer', deliveredSeq: 0, inboundSeq: 3, status: 'ended' },
    ])
  })

  it('lists both parties of a channel in one call, and leaves out pending channels and other agents', async () => {
    const ch = await channel()
    await send(ch.id, ch.consumerId)
    await send(ch.id, ch.providerId)
    await db.store.database.log.saveCursors([{ channelId: ch.id, role: 'consumer', seq: 2 }])
    const pending = await channel('pending')
    const elsewhere = await channel()

    expect(await db.store.inboxes.of([ch.consumerId, ch.providerId, pending.providerId, pending.consumerId])).toEqual([
      { agentId: ch.providerId, channelId: ch.id, role: 'provider', deliveredSeq: 0, inboundSeq: 1, status: 'active' },
      { agentId: ch.consumerId, channelId: ch.id, role: 'consumer', deliveredSeq: 2, inboundSeq: 2, status: 'active' },
    ])
    expect(await db.store.inboxes.of([])).toEqual([])
    expect((await db.store.inboxes.of([elsewhere.consumerId])).map((inbox) => inbox.channelId)).toEqual([elsewhere.id])
  })

  it('takes agent lists longer than one query, in channel order, each entry once', async () => {
    const first = await channel()
    const second = await channel()
    const filler = Array.from({ length: 1200 }, (_, i) => `absent-${i}`)
    // The parties of each channel land in different chunks of the list; one is named twice.
    const agents = [second.consumerId, first.providerId, ...filler, first.consumerId, second.providerId, first.providerId]
    expect((await db.store.inboxes.of(agents)).map((inbox) => [inbox.channelId, inbox.role])).toEqual([
      [first.id, 'provider'],
      [first.id, 'consumer'],
      [second.id, 'provider'],
      [second.id, 'consumer'],
    ])
  })
})

describe('InboxStore.owedTo', () => {
  it('reads, at once, the requests waiting for the agent and the inboxes of() lists for it', async () => {
    const agent = `owed-${++counter}`
    const others = [`other-${counter}-a`, `other-${counter}-b`, `other-${counter}-c`, `other-${counter}-d`]
    await db.store.agents.ensure([agent, ...others])
    const open = (providerId: string, consumerId: string, status: 'active' | 'pending', requestMessage: string | null = null) =>
      db.store.channels.create({ providerId, consumerId, serviceId: 'svc', status, requestMessage })
    const waiting = await open(agent, others[0] as string, 'pending', 'please')
    await open(others[1] as string, agent, 'pending') // the agent's own request: nothing it is owed
    const served = await open(agent, others[2] as string, 'active')
    await send(served.id, others[2] as string, 2)
    const asked = await open(others[3] as string, agent, 'active')
    await send(asked.id, others[3] as string)
    await end(asked.id)

    const owed = await db.store.inboxes.owedTo(agent)
    expect(owed.requests).toEqual([await db.store.channels.get(waiting.id)])
    expect(owed.inboxes).toEqual(await db.store.inboxes.of([agent]))
    expect(owed.inboxes.map((inbox) => [inbox.channelId, inbox.role, inbox.inboundSeq, inbox.status])).toEqual(
      [
        [served.id, 'provider', 2, 'active'],
        [asked.id, 'consumer', 1, 'ended'],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    )
    expect(await db.store.inboxes.owedTo(`never-seen-${counter}`)).toEqual({ requests: [], inboxes: [] })
  })

  it('answers agents connecting at once each with its own, though they are read together', async () => {
    const waiting = await channel('pending')
    const active = await channel()
    await send(active.id, active.consumerId)
    const [provider, consumer, other] = await Promise.all(
      [waiting.providerId, waiting.consumerId, active.providerId].map((agentId) => db.store.inboxes.owedTo(agentId)),
    )
    expect(provider?.requests.map((request) => request.id)).toEqual([waiting.id])
    expect(provider?.inboxes).toEqual([])
    expect(consumer).toEqual({ requests: [], inboxes: [] })
    expect(other).toEqual({ requests: [], inboxes: await db.store.inboxes.of([active.providerId]) })
  })
})

describe('ChannelStore.statesOf', () => {
  it('reads the channels named and the requests waiting for the providers named, across long lists', async () => {
    const followed = await channel()
    await end(followed.id)
    const waiting = await channel('pending')
    const unrelated = await channel('pending')
    const absent = Array.from({ length: 900 }, (_, i) => `ch_absent${i}`)
    const states = await db.store.inboxes.statesOf([...absent, followed.id], [waiting.providerId, ...absent])
    expect(states.map((c) => [c.id, c.status])).toEqual([
      [followed.id, 'ended'],
      [waiting.id, 'pending'],
    ])
    expect(states.map((c) => c.id)).not.toContain(unrelated.id)
  })
})

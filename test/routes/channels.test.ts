// REST for channels through app.inject on a fresh SQLite database: opening, listing with filters
// and cursors, history pages, sending (seqs, idempotency, refusals) and ending.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { buildTestApp, startHub, type TestHub } from '../helpers/hub.js'
import { WsAgent } from '../helpers/ws-agent.js'

let app: App
let close: () => Promise<void>
let counter = 0
/** Ids unique within the file, since all tests share one database. */
const unique = (prefix: string) => `${prefix}-${++counter}`

type Json = Record<string, unknown>
interface ChannelBody {
  channel_id: string
  provider_id: string
  consumer_id: string
  service_id: string | null
  status: string
  ended_at: string | null
  end_reason: string | null
  ended_by: string | null
  last_seq: number
}
interface MessageBody {
  message_id: string
  channel_id: string
  sender_id: string
  content: string
  seq: number
  timestamp: string
  metadata?: Json
  client_msg_id?: string
}
interface HistoryBody {
  channel_id: string
  messages: MessageBody[]
  has_more: boolean
}

beforeAll(async () => {
  ;({ app, close } = await buildTestApp())
})
afterAll(() => close())

const post = (url: string, payload?: Json) => app.inject({ method: 'POST', url, ...(payload ? { payload } : {}) })
const get = (url: string) => app.inject({ method: 'GET', url })

function expectError(response: { statusCode: number; json(): unknown }, status: number, code?: string): void {
  expect(response.statusCode).toBe(status)
  const body = response.json() as { error: { code: unknown; message: unknown } }
  expect(Object.keys(body)).toEqual(['error'])
  expect(typeof body.error.code).toBe('string')
  expect(typeof body.error.message).toBe('string')
  if (code !== undefined) expect(body.error.code).toBe(code)
}

async function openChannel(providerId = unique('prov'), consumerId = unique('cons'), serviceId?: string) {
  const response = await post('/channels', {
    provider_id: providerId,
    consumer_id: consumerId,
    ...(serviceId ? { service_id: serviceId } : {}),
  })
  expect(response.statusCode).toBe(201)
  return response.json<ChannelBody>()
}

async function send(channelId: string, senderId: string, content: string, extra: Json = {}) {
  return post(`/channels/${channelId}/messages`, { sender_id: senderId, content, ...extra })
}

async function registerService(providerId: string, serviceId = unique('svc')) {
  const response = await post('/services', { service_id: serviceId, provider_id: providerId })
  expect(response.statusCode).toBe(201)
  return serviceId
}

const lastSeq = async (channelId: string) => (await get(`/channels/${channelId}`)).json<ChannelBody>().last_seq

describe('POST /channels', () => {
  it('creates an active channel (201), then returns the same one (200) for the same pair and service', async () => {
    const providerId = unique('prov')
    const consumerId = unique('cons')
    const serviceId = await registerService(providerId)

    const first = await post('/channels', { provider_id: providerId, consumer_id: consumerId, service_id: serviceId })
    expect(first.statusCode).toBe(201)
    const created = first.json<ChannelBody>()
    expect(created).toMatchObject({
      provider_id: providerId,
      consumer_id: consumerId,
      service_id: serviceId,
      status: 'active',
      last_seq: 0,
      ended_at: null,
    })
    expect(created.channel_id).toMatch(/^ch_[0-9A-Z]{26}$/)

    const again = await post('/channels', { provider_id: providerId, consumer_id: consumerId, service_id: serviceId })
    expect(again.statusCode).toBe(200)
    expect(again.json<ChannelBody>().channel_id).toBe(created.channel_id)

    // Another service (here: none) is another channel.
    const direct = await post('/channels', { provider_id: providerId, consumer_id: consumerId })
    expect(direct.statusCode).toBe(201)
    expect(direct.json<ChannelBody>().channel_id).not.toBe(created.channel_id)
  })

  it('opens exactly one channel when the same pair asks concurrently', async () => {
    const payload = { provider_id: unique('prov'), consumer_id: unique('cons') }
    const responses = await Promise.all(Array.from({ length: 6 }, () => post('/channels', payload)))
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 200, 201])
    expect(new Set(responses.map((r) => r.json<ChannelBody>().channel_id)).size).toBe(1)
  })

  it('opens a new channel once the previous one has ended', async () => {
    const channel = await openChannel()
    expect((await post(`/channels/${channel.channel_id}/end`, {})).statusCode).toBe(200)
    const next = await post('/channels', { provider_id: channel.provider_id, consumer_id: channel.consumer_id })
    expect(next.statusCode).toBe(201)
    expect(next.json<ChannelBody>().channel_id).not.toBe(channel.channel_id)
  })

  it('refuses a provider that is also the consumer (400)', async () => {
    const agent = unique('self')
    expectError(await post('/channels', { provider_id: agent, consumer_id: agent }), 400)
  })

  it.each([
    ['a space', { provider_id: 'bad id', consumer_id: 'ok' }],
    ['a slash', { provider_id: 'ok', consumer_id: 'a/b' }],
    ['an empty id', { provider_id: '', consumer_id: 'ok' }],
    ['an id of 129 characters', { provider_id: 'x'.repeat(129), consumer_id: 'ok' }],
    ['a bad service id', { provider_id: 'ok', consumer_id: 'ok2', service_id: 'no spaces' }],
  ])('refuses an invalid agent or service id (%s) with 400', async (_name, payload) => {
    expectError(await post('/channels', payload), 400, 'INVALID_REQUEST')
  })

  it.each([
    ['a missing consumer_id', { provider_id: 'ok' }],
    ['a number for provider_id', { provider_id: 123, consumer_id: 'ok' }],
    ['an array for provider_id', { provider_id: ['ok'], consumer_id: 'ok2' }],
    ['an object for consumer_id', { provider_id: 'ok', consumer_id: { id: 'ok2' } }],
    ['a number for service_id', { provider_id: 'ok', consumer_id: 'ok2', service_id: 5 }],
    ['a boolean for consumer_id', { provider_id: 'ok', consumer_id: true }],
  ])('refuses a body with %s (400), as /ws does for the same schema', async (_name, payload) => {
    expectError(await post('/channels', payload), 400, 'INVALID_REQUEST')
  })

  it('refuses a body that is not an object (400)', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/channels',
      headers: { 'content-type': 'application/json' },
      payload: '["ok","ok2"]',
    })
    expectError(response, 400)
  })

  it('answers 404 SERVICE_NOT_FOUND for an unknown service', async () => {
    const response = await post('/channels', { provider_id: unique('prov'), consumer_id: unique('cons'), service_id: unique('nosvc') })
    expectError(response, 404, 'SERVICE_NOT_FOUND')
  })

  it('refuses a service that another agent provides (400)', async () => {
    const serviceId = await registerService(unique('owner'))
    const response = await post('/channels', { provider_id: unique('other'), consumer_id: unique('cons'), service_id: serviceId })
    expectError(response, 400)
  })
})

describe('GET /channels', () => {
  it('filters by agent_id (either role), service_id and status', async () => {
    const agent = unique('hub-agent')
    const serviceId = await registerService(agent)
    const asProvider = await openChannel(agent, unique('cons'), serviceId)
    const asConsumer = await openChannel(unique('prov'), agent)
    const ended = await openChannel(agent, unique('cons'))
    await openChannel() // someone else's
    expect((await post(`/channels/${ended.channel_id}/end`, {})).statusCode).toBe(200)

    const ids = async (query: string) => {
      const response = await get(`/channels?${query}`)
      expect(response.statusCode).toBe(200)
      return response.json<{ channels: ChannelBody[] }>().channels.map((c) => c.channel_id)
    }
    expect(await ids(`agent_id=${agent}`)).toEqual([asProvider.channel_id, asConsumer.channel_id, ended.channel_id])
    expect(await ids(`service_id=${serviceId}`)).toEqual([asProvider.channel_id])
    expect(await ids(`agent_id=${agent}&status=ended`)).toEqual([ended.channel_id])
    expect(await ids(`agent_id=${agent}&status=active`)).toEqual([asProvider.channel_id, asConsumer.channel_id])
    expect(await ids(`agent_id=${agent}&status=pending`)).toEqual([])
    const endedEverywhere = await ids('status=ended&limit=200')
    expect(endedEverywhere).toContain(ended.channel_id)
    expect(endedEverywhere).not.toContain(asProvider.channel_id)
  })

  it('walks every channel exactly once page by page with next_cursor, null at the end', async () => {
    const agent = unique('pager')
    const created: string[] = []
    for (let i = 0; i < 7; i++) created.push((await openChannel(agent, unique('cons'))).channel_id)

    const seen: string[] = []
    const pageSizes: number[] = []
    let cursor: string | null = null
    for (let pages = 0; pages < 10; pages++) {
      const response = await get(`/channels?agent_id=${agent}&limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      expect(response.statusCode).toBe(200)
      const page = response.json<{ channels: ChannelBody[]; next_cursor: string | null }>()
      pageSizes.push(page.channels.length)
      seen.push(...page.channels.map((c) => c.channel_id))
      cursor = page.next_cursor
      if (cursor === null) break
    }
    expect(cursor).toBeNull()
    expect(pageSizes).toEqual([3, 3, 1])
    expect(seen).toEqual(created)
  })

  it('ends with next_cursor null when the last page is exactly full', async () => {
    const agent = unique('exact')
    for (let i = 0; i < 4; i++) await openChannel(agent, unique('cons'))
    const first = (await get(`/channels?agent_id=${agent}&limit=2`)).json<{ next_cursor: string | null }>()
    expect(first.next_cursor).not.toBeNull()
    const second = (await get(`/channels?agent_id=${agent}&limit=2&cursor=${first.next_cursor}`)).json<{
      channels: unknown[]
      next_cursor: string | null
    }>()
    expect(second.channels).toHaveLength(2)
    expect(second.next_cursor).toBeNull()
  })

  it.each(['status=open', 'limit=0', 'limit=201', 'agent_id=bad%20id', 'limit=ten'])('refuses %s with 400', async (query) => {
    expectError(await get(`/channels?${query}`), 400, 'INVALID_REQUEST')
  })
})

describe('GET /channels/:id', () => {
  it('reads a channel', async () => {
    const channel = await openChannel()
    const response = await get(`/channels/${channel.channel_id}`)
    expect(response.statusCode).toBe(200)
    expect(response.json()).toEqual(channel)
  })

  it('answers 404 with the error shape for an unknown channel', async () => {
    expectError(await get('/channels/ch_00000000000000000000000000'), 404, 'CHANNEL_NOT_FOUND')
  })
})

describe('GET /channels/:id/messages', () => {
  let channel: ChannelBody
  const TOTAL = 120

  beforeAll(async () => {
    channel = await openChannel()
    for (let i = 1; i <= TOTAL; i++) {
      const sender = i % 2 === 0 ? channel.provider_id : channel.consumer_id
      expect((await send(channel.channel_id, sender, `m${i}`)).statusCode).toBe(201)
    }
  })

  const history = async (query = '') => {
    const response = await get(`/channels/${channel.channel_id}/messages${query}`)
    expect(response.statusCode).toBe(200)
    return response.json<HistoryBody>()
  }
  const seqs = (page: HistoryBody) => page.messages.map((m) => m.seq)
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)

  it('returns the newest 50 messages by default, oldest first', async () => {
    const page = await history()
    expect(page.channel_id).toBe(channel.channel_id)
    expect(seqs(page)).toEqual(range(71, 120))
    expect(page.messages.map((m) => m.content)).toEqual(range(71, 120).map((i) => `m${i}`))
    expect(page.has_more).toBe(true)
  })

  it('pages backwards with before_seq until has_more is false', async () => {
    const middle = await history('?before_seq=71')
    expect(seqs(middle)).toEqual(range(21, 70))
    expect(middle.has_more).toBe(true)
    const oldest = await history('?before_seq=21')
    expect(seqs(oldest)).toEqual(range(1, 20))
    expect(oldest.has_more).toBe(false)
    expect((await history('?before_seq=1')).messages).toEqual([])
  })

  it('pages forwards with after_seq, oldest first, until has_more is false', async () => {
    const first = await history('?after_seq=0&limit=40')
    expect(seqs(first)).toEqual(range(1, 40))
    expect(first.has_more).toBe(true)
    const last = await history('?after_seq=100&limit=40')
    expect(seqs(last)).toEqual(range(101, 120))
    expect(last.has_more).toBe(false)
    const exact = await history('?after_seq=80&limit=40')
    expect(seqs(exact)).toEqual(range(81, 120))
    expect(exact.has_more).toBe(false)
  })

  it('returns up to the documented maximum of 500 and refuses more (400)', async () => {
    const all = await history('?limit=500')
    expect(seqs(all)).toEqual(range(1, TOTAL))
    expect(all.has_more).toBe(false)
    expectError(await get(`/channels/${channel.channel_id}/messages?limit=501`), 400, 'INVALID_REQUEST')
    expectError(await get(`/channels/${channel.channel_id}/messages?limit=0`), 400, 'INVALID_REQUEST')
    expectError(await get(`/channels/${channel.channel_id}/messages?before_seq=abc`), 400, 'INVALID_REQUEST')
  })

  it('answers 404 for an unknown channel', async () => {
    expectError(await get('/channels/ch_00000000000000000000000000/messages'), 404, 'CHANNEL_NOT_FOUND')
  })
})

describe('POST /channels/:id/messages', () => {
  it('stores messages with seq 1, 2, 3 … and answers 201 with the message', async () => {
    const channel = await openChannel()
    const stored: MessageBody[] = []
    for (const [i, sender] of [channel.consumer_id, channel.provider_id, channel.consumer_id].entries()) {
      const response = await send(channel.channel_id, sender, `hello ${i}`, i === 1 ? { metadata: { lang: 'en', n: 1 } } : {})
      expect(response.statusCode).toBe(201)
      stored.push(response.json<MessageBody>())
    }
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3])
    expect(stored[0]).toMatchObject({ channel_id: channel.channel_id, sender_id: channel.consumer_id, content: 'hello 0' })
    expect(stored[0]?.message_id).toMatch(/^msg_[0-9A-Z]{26}$/)
    expect(new Date(stored[0]?.timestamp ?? '').toISOString()).toBe(stored[0]?.timestamp)
    expect(stored[1]?.metadata).toEqual({ lang: 'en', n: 1 })
    expect(await lastSeq(channel.channel_id)).toBe(3)
    const history = (await get(`/channels/${channel.channel_id}/messages`)).json<HistoryBody>()
    expect(history.messages).toEqual(stored)
  })

  it('answers a repeated client_msg_id with 200 and the original message, storing nothing twice', async () => {
    const channel = await openChannel()
    const first = await send(channel.channel_id, channel.consumer_id, 'once', { client_msg_id: 'k-1' })
    expect(first.statusCode).toBe(201)
    const repeat = await send(channel.channel_id, channel.consumer_id, 'once', { client_msg_id: 'k-1' })
    expect(repeat.statusCode).toBe(200)
    expect(repeat.json()).toEqual(first.json())
    expect(first.json<MessageBody>().client_msg_id).toBe('k-1')

    // The key is per sender: the other side may use the same one.
    const other = await send(channel.channel_id, channel.provider_id, 'mine', { client_msg_id: 'k-1' })
    expect(other.statusCode).toBe(201)
    expect(other.json<MessageBody>().seq).toBe(2)

    const history = (await get(`/channels/${channel.channel_id}/messages`)).json<HistoryBody>()
    expect(history.messages.map((m) => m.content)).toEqual(['once', 'mine'])
    expect(await lastSeq(channel.channel_id)).toBe(2)
  })

  it('stores one message when the same client_msg_id is sent concurrently', async () => {
    const channel = await openChannel()
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => send(channel.channel_id, channel.consumer_id, 'racing', { client_msg_id: 'race' })),
    )
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201])
    expect(new Set(responses.map((r) => r.json<MessageBody>().message_id)).size).toBe(1)
    expect(await lastSeq(channel.channel_id)).toBe(1)
  })

  it('answers a client_msg_id retried after the channel ended with the original message', async () => {
    // A sender whose ack was lost retries with the same key; the message is stored, so the retry
    // must get it back (SPEC: "a retried send returns the original message, no copy").
    const channel = await openChannel()
    const first = await send(channel.channel_id, channel.consumer_id, 'before the end', { client_msg_id: 'late-ack' })
    expect(first.statusCode).toBe(201)
    expect((await post(`/channels/${channel.channel_id}/end`, {})).statusCode).toBe(200)
    const retry = await send(channel.channel_id, channel.consumer_id, 'before the end', { client_msg_id: 'late-ack' })
    expect(retry.statusCode).toBe(200)
    expect(retry.json()).toEqual(first.json())
  })

  it('refuses a sender that is not a member (403) and stores nothing', async () => {
    const channel = await openChannel()
    expectError(await send(channel.channel_id, unique('stranger'), 'let me in'), 403, 'FORBIDDEN')
    expect(await lastSeq(channel.channel_id)).toBe(0)
  })

  it('refuses a message to an ended channel (409)', async () => {
    const channel = await openChannel()
    expect((await send(channel.channel_id, channel.consumer_id, 'last words')).statusCode).toBe(201)
    expect((await post(`/channels/${channel.channel_id}/end`, {})).statusCode).toBe(200)
    expectError(await send(channel.channel_id, channel.consumer_id, 'too late'), 409, 'CHANNEL_NOT_ACTIVE')
    expect(await lastSeq(channel.channel_id)).toBe(1)
  })

  it('answers 404 for an unknown channel', async () => {
    expectError(await send('ch_00000000000000000000000000', 'someone', 'hello?'), 404, 'CHANNEL_NOT_FOUND')
  })

  it.each<[string, (channel: ChannelBody) => Json]>([
    ['empty content', (c) => ({ sender_id: c.consumer_id, content: '' })],
    ['no content', (c) => ({ sender_id: c.consumer_id })],
    ['a bad sender_id', () => ({ sender_id: 'not valid', content: 'hi' })],
    ['metadata that is not an object', (c) => ({ sender_id: c.consumer_id, content: 'hi', metadata: ['a'] })],
    ['an empty client_msg_id', (c) => ({ sender_id: c.consumer_id, content: 'hi', client_msg_id: '' })],
    ['a number for content', (c) => ({ sender_id: c.consumer_id, content: 42 })],
    ['an array for sender_id', (c) => ({ sender_id: [c.consumer_id], content: 'hi' })],
  ])('refuses %s with 400 and stores nothing', async (_name, body) => {
    const channel = await openChannel()
    expectError(await post(`/channels/${channel.channel_id}/messages`, body(channel)), 400, 'INVALID_REQUEST')
    expect(await lastSeq(channel.channel_id)).toBe(0)
  })
})

describe('POST /channels/:id/end', () => {
  it('ends the channel (200), then refuses to end it again (409)', async () => {
    const channel = await openChannel()
    const response = await post(`/channels/${channel.channel_id}/end`, { reason: 'done here' })
    expect(response.statusCode).toBe(200)
    const ended = response.json<ChannelBody>()
    expect(ended).toMatchObject({ channel_id: channel.channel_id, status: 'ended', end_reason: 'done here', ended_by: 'admin' })
    expect(ended.ended_at).not.toBeNull()
    expect((await get(`/channels/${channel.channel_id}`)).json<ChannelBody>().status).toBe('ended')

    expectError(await post(`/channels/${channel.channel_id}/end`, {}), 409, 'CHANNEL_NOT_ACTIVE')
  })

  it('ends as a member named by ended_by', async () => {
    const channel = await openChannel()
    const response = await post(`/channels/${channel.channel_id}/end`, { ended_by: channel.consumer_id })
    expect(response.statusCode).toBe(200)
    expect(response.json<ChannelBody>().ended_by).toBe(channel.consumer_id)
  })

  it('refuses ended_by of an agent outside the channel (403) and leaves it active', async () => {
    const channel = await openChannel()
    expectError(await post(`/channels/${channel.channel_id}/end`, { ended_by: unique('stranger') }), 403, 'FORBIDDEN')
    expect((await get(`/channels/${channel.channel_id}`)).json<ChannelBody>().status).toBe('active')
  })

  it('works without a body', async () => {
    const channel = await openChannel()
    const response = await app.inject({ method: 'POST', url: `/channels/${channel.channel_id}/end` })
    expect(response.statusCode).toBe(200)
    expect(response.json<ChannelBody>().status).toBe('ended')
  })

  it('answers 404 for an unknown channel', async () => {
    expectError(await post('/channels/ch_00000000000000000000000000/end', {}), 404, 'CHANNEL_NOT_FOUND')
  })
})

describe('REST actions reach agents connected over /ws', () => {
  let hub: TestHub
  const agents: WsAgent[] = []

  beforeAll(async () => {
    hub = await startHub()
  })
  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()))
    await hub.close()
  })

  const connect = async (prefix: string) => {
    const id = unique(prefix)
    const agent = await WsAgent.connect(hub.wsUrl, id)
    agents.push(agent)
    return { id, agent }
  }
  const inject = (url: string, payload: Json) => hub.app.inject({ method: 'POST', url, payload })

  it('delivers POST /channels, a REST send and a REST end live', async () => {
    const provider = await connect('live-prov')
    const consumer = await connect('live-cons')

    const opened = await inject('/channels', { provider_id: provider.id, consumer_id: consumer.id })
    expect(opened.statusCode).toBe(201)
    const channelId = opened.json<ChannelBody>().channel_id
    for (const { agent } of [provider, consumer]) {
      expect(await agent.next('chat_accept', (f) => f.channel_id === channelId)).toMatchObject({
        provider_id: provider.id,
        consumer_id: consumer.id,
        status: 'active',
      })
    }

    const sent = await inject(`/channels/${channelId}/messages`, {
      sender_id: consumer.id,
      content: 'over http',
      metadata: { via: 'rest' },
    })
    expect(sent.statusCode).toBe(201)
    const message = await provider.agent.next('chat_message', (f) => f.channel_id === channelId)
    expect(message).toEqual({ type: 'chat_message', ...sent.json<MessageBody>() })
    expect(message).toMatchObject({ seq: 1, sender_id: consumer.id, content: 'over http', metadata: { via: 'rest' } })

    const ended = await inject(`/channels/${channelId}/end`, { reason: 'operator closed it', ended_by: provider.id })
    expect(ended.statusCode).toBe(200)
    for (const { agent } of [provider, consumer]) {
      expect(await agent.next('chat_end', (f) => f.channel_id === channelId)).toMatchObject({
        reason: 'operator closed it',
        ended_by: provider.id,
      })
    }
  })

  it('delivers REST sends by the provider to the consumer in seq order', async () => {
    const provider = await connect('live-prov')
    const consumer = await connect('live-cons')
    const channelId = (await inject('/channels', { provider_id: provider.id, consumer_id: consumer.id })).json<ChannelBody>()
      .channel_id
    for (let i = 1; i <= 3; i++) {
      expect((await inject(`/channels/${channelId}/messages`, { sender_id: provider.id, content: `reply ${i}` })).statusCode).toBe(201)
    }
    const received = []
    for (let i = 1; i <= 3; i++) received.push(await consumer.agent.next('chat_message', (f) => f.channel_id === channelId))
    expect(received.map((f) => [f.seq, f.content])).toEqual([
      [1, 'reply 1'],
      [2, 'reply 2'],
      [3, 'reply 3'],
    ])
  })
})

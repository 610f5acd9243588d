// REST for a channel's messages through app.inject: history pages by seq cursor, and sending
// (seqs, idempotency, refusals).
import fastJson from 'fast-json-stringify'
import { beforeAll, describe, expect, it } from 'vitest'
import { HistoryPage, type ChannelInfo, type HistoryPageInfo, type MessageInfo } from '../../src/protocol/shapes.js'
import { expectError, useRestApi, type Json } from '../helpers/rest.js'

const { unique, post, get, inject, openChannel, send, lastSeq } = useRestApi()

describe('GET /channels/:id/messages', () => {
  let channel: ChannelInfo
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
    return response.json<HistoryPageInfo>()
  }
  const seqs = (page: HistoryPageInfo) => page.messages.map((m) => m.seq)
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

  it('writes a page as the serializer compiled from its schema does, with and without metadata', async () => {
    const other = await openChannel()
    for (const content of ['quote " and \\ back', 'line\nbreak\ttab \u0001', 'é € 😀 \u2028', 'y'.repeat(5000)]) {
      expect((await send(other.channel_id, other.consumer_id, content, { client_msg_id: `k ${content.length}` })).statusCode).toBe(201)
    }
    const serializer = fastJson(HistoryPage)
    const plain = await get(`/channels/${other.channel_id}/messages`)
    expect(plain.body).toBe(serializer(plain.json()))
    expect((await send(other.channel_id, other.provider_id, 'with metadata', { metadata: { 'k"': [1, 'é'] } })).statusCode).toBe(201)
    const withMetadata = await get(`/channels/${other.channel_id}/messages`)
    expect(withMetadata.json<HistoryPageInfo>().messages).toHaveLength(5)
    expect(withMetadata.body).toBe(serializer(withMetadata.json()))
  })
})

describe('POST /channels/:id/messages', () => {
  it('stores messages with seq 1, 2, 3 … and answers 201 with the message', async () => {
    const channel = await openChannel()
    const stored: MessageInfo[] = []
    for (const [i, sender] of [channel.consumer_id, channel.provider_id, channel.consumer_id].entries()) {
      const response = await send(channel.channel_id, sender, `hello ${i}`, i === 1 ? { metadata: { lang: 'en', n: 1 } } : {})
      expect(response.statusCode).toBe(201)
      stored.push(response.json<MessageInfo>())
    }
    expect(stored.map((m) => m.seq)).toEqual([1, 2, 3])
    expect(stored[0]).toMatchObject({ channel_id: channel.channel_id, sender_id: channel.consumer_id, content: 'hello 0' })
    expect(stored[0]?.message_id).toMatch(/^msg_[0-9A-Z]{26}$/)
    expect(new Date(stored[0]?.timestamp ?? '').toISOString()).toBe(stored[0]?.timestamp)
    expect(stored[1]?.metadata).toEqual({ lang: 'en', n: 1 })
    expect(await lastSeq(channel.channel_id)).toBe(3)
    const history = (await get(`/channels/${channel.channel_id}/messages`)).json<HistoryPageInfo>()
    expect(history.messages).toEqual(stored)
  })

  it('answers a repeated client_msg_id with 200 and the original message, storing nothing twice', async () => {
    const channel = await openChannel()
    const first = await send(channel.channel_id, channel.consumer_id, 'once', { client_msg_id: 'k-1' })
    expect(first.statusCode).toBe(201)
    const repeat = await send(channel.channel_id, channel.consumer_id, 'once', { client_msg_id: 'k-1' })
    expect(repeat.statusCode).toBe(200)
    expect(repeat.json()).toEqual(first.json())
    expect(first.json<MessageInfo>().client_msg_id).toBe('k-1')

    // The key is per sender: the other side may use the same one.
    const other = await send(channel.channel_id, channel.provider_id, 'mine', { client_msg_id: 'k-1' })
    expect(other.statusCode).toBe(201)
    expect(other.json<MessageInfo>().seq).toBe(2)

    const history = (await get(`/channels/${channel.channel_id}/messages`)).json<HistoryPageInfo>()
    expect(history.messages.map((m) => m.content)).toEqual(['once', 'mine'])
    expect(await lastSeq(channel.channel_id)).toBe(2)
  })

  it('stores one message when the same client_msg_id is sent concurrently', async () => {
    const channel = await openChannel()
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => send(channel.channel_id, channel.consumer_id, 'racing', { client_msg_id: 'race' })),
    )
    expect(responses.map((r) => r.statusCode).sort()).toEqual([200, 200, 200, 200, 201])
    expect(new Set(responses.map((r) => r.json<MessageInfo>().message_id)).size).toBe(1)
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

  it.each<[string, (channel: ChannelInfo) => Json]>([
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

  it('refuses a body nested too deep to parse cheaply, unparsed, with 400 and stores nothing', async () => {
    const channel = await openChannel()
    const depth = 100_000
    const response = await inject({
      method: 'POST',
      url: `/channels/${channel.channel_id}/messages`,
      headers: { 'content-type': 'application/json' },
      payload: `{"sender_id":"${channel.consumer_id}","content":"x","metadata":{"m":${'['.repeat(depth)}${']'.repeat(depth)}}}`,
    })
    expectError(response, 400, 'INVALID_REQUEST')
    expect(response.json<{ error: { message: string } }>().error.message).toBe('body nests deeper than 64 levels')
    expect(await lastSeq(channel.channel_id)).toBe(0)
  })
})

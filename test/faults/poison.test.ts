// Poison messages against a real hub process: metadata nested past the bound at several depths
// (refused alone, on /ws and REST, while a witness pair goes on), and a message stored as an
// older hub would have stored it, too deep to serialise again (skipped with an error frame, the
// channel still readable, on every reconnect). The hub process must never exit.
import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { until } from '../helpers/poll.js'
import { WsAgent } from '../helpers/ws-agent.js'
import { channelBetween, isUp, report, startFaultHub, storedContents, watch, witness, type FaultHub } from './harness.js'

/** `{"m":[[[…]]]}` nested `depth` levels below the object, written as text (the test never recurses). */
const deepMetadata = (depth: number): string => `{"m":${'['.repeat(depth)}${']'.repeat(depth)}}`
const DEPTHS = [33, 4150, 8000, 100_000]
const PER_DEPTH = 15

let hub: FaultHub
beforeAll(async () => {
  hub = await startFaultHub({ MAX_FRAMES_PER_SECOND: '1000' })
}, 90_000)
afterAll(() => hub.stop())

/** Runs one statement on the hub's database, as an operator (or an older hub) would. */
async function onDatabase(statement: string, params: unknown[]): Promise<void> {
  const url = hub.database.url
  if (url.startsWith('file:')) {
    const db = new Database(url.slice('file:'.length))
    db.pragma('busy_timeout = 5000')
    db.prepare(statement.replace(/\$\d+/g, '?')).run(...params)
    db.close()
    return
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  await client.query(statement, params).finally(() => client.end())
}

describe('poison metadata', () => {
  it('refuses metadata past 32 levels at every depth, alone, and the hub serves on', async () => {
    const sender = await WsAgent.connect(hub.wsUrl, 'poison-sender')
    const receiver = 'poison-receiver'
    const channelId = await channelBetween(hub, receiver, sender.agentId)
    const watched = watch(hub)
    const refused: string[] = []
    const figures = await witness(hub, async () => {
      for (const depth of DEPTHS) {
        // A connection is closed (4400) after 20 refused frames in a burst: each depth gets its own.
        const poisoner = await WsAgent.connect(hub.wsUrl, sender.agentId)
        for (let i = 0; i < PER_DEPTH; i++) {
          const id = `d${depth}-${i}`
          poisoner.send(
            `{"type":"chat_message","channel_id":"${channelId}","content":"x","request_id":"${id}","metadata":${deepMetadata(depth)}}`,
          )
          const reply = await poisoner.next('error', (f) => f.request_id === id, 20_000)
          refused.push(reply.code)
        }
        await poisoner.close()
        const rest = await fetch(`${hub.url}/channels/${channelId}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: `{"sender_id":"${sender.agentId}","content":"x","metadata":${deepMetadata(depth)}}`,
        })
        expect([400, 413]).toContain(rest.status)
      }
      // The deepest allowed passes.
      await sender.ask(
        {
          type: 'chat_message',
          channel_id: channelId,
          content: 'ok',
          metadata: JSON.parse(deepMetadata(31)),
        },
        'ack',
      )
    })
    const line = report('poison-metadata', figures, await watched.stop(), isUp(hub))
    expect(refused.every((code) => code === 'INVALID_FRAME')).toBe(true)
    expect(refused).toHaveLength(DEPTHS.length * PER_DEPTH)
    expect(figures).toMatchObject({
      lost: 0,
      duplicates: 0,
      acked: figures.sent,
      delivered: figures.sent,
      stored: figures.sent,
    })
    expect(line).toContain('up=yes')
    // The channel stays readable, and its receiver gets the one message that was let through.
    expect(await storedContents(hub, channelId)).toEqual(['ok'])
    const reader = await WsAgent.connect(hub.wsUrl, receiver)
    expect((await reader.next('chat_message')).content).toBe('ok')
    await Promise.all([reader.close(), sender.close()])
    expect(isUp(hub)).toBe(true)
  }, 120_000)

  it('skips a stored message that cannot be serialised, with an error frame, on every reconnect', async () => {
    const sender = await WsAgent.connect(hub.wsUrl, 'stored-sender')
    const receiver = 'stored-receiver'
    const channelId = await channelBetween(hub, receiver, sender.agentId)
    for (let i = 1; i <= 5; i++) {
      await sender.ask(
        {
          type: 'chat_message',
          channel_id: channelId,
          content: `m${i}`,
          metadata: { i },
        },
        'ack',
      )
    }
    // As an older hub stored it: nested too deep for JSON.stringify.
    await onDatabase('UPDATE messages SET metadata = $1 WHERE channel_id = $2 AND seq = $3', [deepMetadata(20_000), channelId, 3])
    const watched = watch(hub)
    const figures = await witness(hub, async () => {
      const reader = await WsAgent.connect(hub.wsUrl, receiver)
      const skipped = await reader.next('error', (f) => f.code === 'MESSAGE_UNDELIVERABLE')
      expect(skipped.message).toContain('seq 3')
      await until(() => reader.frames.filter((f) => f.type === 'chat_message').length === 4)
      expect(reader.frames.flatMap((f) => (f.type === 'chat_message' ? [f.content] : []))).toEqual(['m1', 'm2', 'm4', 'm5'])
      await reader.close()
      // Reconnecting again: nothing more, the hub still up.
      const again = await WsAgent.connect(hub.wsUrl, receiver)
      await again.ask({ type: 'ping' }, 'pong')
      expect(again.frames.filter((f) => f.type === 'chat_message' || f.type === 'error')).toEqual([])
      await again.close()
      const history = await fetch(`${hub.url}/channels/${channelId}/messages`)
      expect(history.status).toBe(200)
      expect(((await history.json()) as { messages: { seq: number }[] }).messages.map((m) => m.seq)).toEqual([1, 2, 4, 5])
    })
    const metrics = await (await fetch(`${hub.url}/metrics`)).text()
    expect(metrics).toMatch(/hub_messages_undeliverable_total [1-9]/)
    report('stored-unserialisable', figures, await watched.stop(), isUp(hub))
    expect(figures).toMatchObject({
      lost: 0,
      duplicates: 0,
      acked: figures.sent,
      delivered: figures.sent,
    })
    await sender.close()
    expect(isUp(hub)).toBe(true)
  }, 120_000)
})

describe('text and numbers the hub cannot hold', () => {
  it('refuses lone surrogates on /ws and REST', async () => {
    const sender = await WsAgent.connect(hub.wsUrl, 'surrogate-sender')
    const channelId = await channelBetween(hub, 'surrogate-receiver', sender.agentId)
    for (const text of ['\\ud800', 'a\\udc00b', '\\udbff\\udbff']) {
      sender.send(`{"type":"chat_message","channel_id":"${channelId}","content":"${text}","request_id":"s"}`)
      expect((await sender.next('error', (f) => f.request_id === 's')).code).toBe('INVALID_FRAME')
      const rest = await fetch(`${hub.url}/channels/${channelId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"sender_id":"${sender.agentId}","content":"${text}"}`,
      })
      expect(rest.status).toBe(400)
    }
    // A well-formed pair is text like any other.
    await sender.ask({ type: 'chat_message', channel_id: channelId, content: '\ud83d\ude00' }, 'ack')
    expect(await storedContents(hub, channelId)).toEqual(['\ud83d\ude00'])
    await sender.close()
  })

  it('refuses REST integers that are not plain digits', async () => {
    const channelId = await channelBetween(hub, 'digits-provider', 'digits-consumer')
    for (const limit of ['1e400', '0x10', '10.5', '1e2', ' 5', '5abc', 'Infinity']) {
      const response = await fetch(`${hub.url}/channels/${channelId}/messages?limit=${encodeURIComponent(limit)}`)
      expect(response.status, limit).toBe(400)
    }
    expect((await fetch(`${hub.url}/channels/${channelId}/messages?limit=10`)).status).toBe(200)
    expect(isUp(hub)).toBe(true)
  })
})

// Fuzzing the /ws protocol: thousands of random and mutated frames from several connections
// (reconnecting whenever the hub cuts one off for abuse). The hub must classify every bad frame
// (no INTERNAL_ERROR), stay consistent, and afterwards serve a well-behaved pair correctly.
// The seed is printed; FUZZ_SEED=<n> replays a run.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { WsAgent, type Frame } from '../helpers/ws-agent.js'

const FRAMES = 3000
const FUZZERS = 4
const SEED = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))

function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const random = prng(SEED)
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
const nested = (depth: number): unknown => (depth === 0 ? 'x' : { a: nested(depth - 1) })

const STRANGE_VALUES: (() => unknown)[] = [
  () => null,
  () => true,
  () => -1,
  () => 2 ** 53 + 1,
  () => 1e308,
  () => '',
  () => 'x'.repeat(Math.floor(random() * 5000)),
  () => '🦀'.repeat(50) + '\u202e\uffff',
  () => 'a\u0000b',
  () => "'; DROP TABLE messages; --",
  () => [1, [2, [3]]],
  () => JSON.parse('{"__proto__":{"polluted":1}}') as unknown,
  () => ({ constructor: { prototype: { polluted: 1 } } }),
  () => nested(Math.floor(random() * 200)),
  () => 'ch_' + Math.floor(random() * 1e9).toString(36),
]

function template(channelId: string): Record<string, unknown> {
  return pick([
    { type: 'register_service', service_id: `fz-${Math.floor(random() * 5)}`, description: 'd' },
    { type: 'chat_request', service_id: pick(['fz-0', 'fz-1', 'target-svc', 'nope']), message: 'hi' },
    { type: 'chat_accept', channel_id: channelId },
    { type: 'chat_accept', consumer_id: `fuzz-${Math.floor(random() * FUZZERS)}` },
    { type: 'chat_reject', channel_id: channelId, reason: 'r' },
    { type: 'chat_message', channel_id: channelId, content: 'm', client_msg_id: `k${Math.floor(random() * 50)}` },
    { type: 'chat_message', target_agent: `fuzz-${Math.floor(random() * FUZZERS)}`, content: 'm', service_id: 'fz-0' },
    { type: 'chat_end', channel_id: channelId },
    { type: 'chat_history', channel_id: channelId, limit: 5, after_seq: 0 },
    { type: 'resume', channels: [{ channel_id: channelId, last_seq: 0 }] },
    { type: 'ping' },
  ])
}

function mutate(frame: Record<string, unknown>): string | Buffer {
  const keys = Object.keys(frame)
  switch (Math.floor(random() * 9)) {
    case 0:
      return JSON.stringify(frame) // valid (or semantically wrong) as it is
    case 1:
      delete frame[pick(keys)]
      return JSON.stringify(frame)
    case 2:
      frame[pick(keys)] = pick(STRANGE_VALUES)()
      return JSON.stringify(frame)
    case 3:
      frame[pick(['extra', '__proto__', 'request_id', 'type', 'metadata'])] = pick(STRANGE_VALUES)()
      return JSON.stringify(frame)
    case 4: {
      const text = JSON.stringify(frame)
      return text.slice(0, Math.floor(random() * text.length))
    }
    case 5:
      frame.type = pick(['', 'CHAT_MESSAGE', 'chat_message ', 'welcome', 'ack', 'error', String(random())])
      return JSON.stringify(frame)
    case 6:
      return Buffer.from(Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)))
    case 7:
      return JSON.stringify(pick([[], 42, 'ping', null, { type: null }, { type: ['ping'] }]))
    default:
      return '['.repeat(Math.floor(random() * 100_000))
  }
}

let hub: TestHub
beforeAll(async () => {
  hub = await startHub({ env: { MAX_FRAMES_PER_SECOND: '100000' } })
})
afterAll(() => hub.close())

it(`survives ${FRAMES} random and mutated frames and still serves a valid client`, async () => {
  console.log(`fuzz seed ${SEED}`)
  const provider = await WsAgent.connect(hub.wsUrl, 'target-provider')
  await provider.request({ type: 'register_service', service_id: 'target-svc' }, 'register_service')
  provider.send({ type: 'chat_accept', consumer_id: 'fuzz-0' })

  const fuzzers: WsAgent[] = []
  const replies: Frame[] = []
  let reconnects = 0
  const fuzzer = async (i: number) => {
    const current = fuzzers[i]
    if (current && !current.closed) return current
    if (current) {
      replies.push(...current.frames)
      reconnects++
    }
    fuzzers[i] = await WsAgent.connect(hub.wsUrl, `fuzz-${i}`)
    return fuzzers[i]
  }
  for (let n = 0; n < FRAMES; n++) {
    const agent = await fuzzer(n % FUZZERS)
    agent.socket.send(mutate(template(pick(['ch_unknown', 'x', ...replies.map((f) => ('channel_id' in f ? f.channel_id : '')).filter(Boolean)]))))
    if (n % 50 === 0) await agent.request({ type: 'ping' }, 'pong').catch(() => undefined)
  }
  for (const agent of fuzzers) {
    if (!agent.closed) await agent.request({ type: 'ping' }, 'pong').catch(() => undefined)
    replies.push(...agent.frames)
    await agent.close()
  }
  const errors = replies.filter((f) => f.type === 'error')
  const codes = Object.fromEntries([...new Set(errors.map((f) => f.code))].map((code) => [code, errors.filter((f) => f.code === code).length]))
  console.log(`fuzz: ${FRAMES} frames, ${errors.length} error frames, ${reconnects} reconnects after abuse closes; codes ${JSON.stringify(codes)}`)
  expect(codes.INTERNAL_ERROR).toBeUndefined()
  expect(({} as Record<string, unknown>).polluted).toBeUndefined()

  // The hub still works, exactly, for a well-behaved pair.
  expect((await fetch(`${hub.httpUrl}/readyz`)).status).toBe(200)
  const consumer = await WsAgent.connect(hub.wsUrl, 'target-consumer')
  consumer.send({ type: 'chat_request', service_id: 'target-svc', request_id: 'q' })
  const request = await provider.next('chat_request', (r) => r.consumer_id === 'target-consumer')
  await provider.request({ type: 'chat_accept', channel_id: request.channel_id }, 'chat_accept')
  expect(await consumer.next('chat_accept', (a) => a.request_id === 'q')).toMatchObject({ channel_id: request.channel_id })
  const ack = await consumer.request({ type: 'chat_message', channel_id: request.channel_id, content: 'still here?' }, 'ack')
  expect(ack).toMatchObject({ seq: 1 })
  expect(await provider.next('chat_message', (m) => m.channel_id === request.channel_id)).toMatchObject({ content: 'still here?' })
  const history = await provider.ask({ type: 'chat_history', channel_id: request.channel_id }, 'chat_history')
  expect(history.messages.length).toBe(1)

  // Every channel's last_seq matches what it stores.
  const channels = (await (await fetch(`${hub.httpUrl}/channels?limit=200`)).json()) as { channels: { channel_id: string; last_seq: number }[] }
  for (const channel of channels.channels) {
    const page = (await (await fetch(`${hub.httpUrl}/channels/${channel.channel_id}/messages?limit=500&after_seq=0`)).json()) as {
      messages: { seq: number }[]
    }
    expect(page.messages.map((m) => m.seq)).toEqual(Array.from({ length: channel.last_seq }, (_, i) => i + 1))
  }
  await consumer.close()
  await provider.close()
}, 120_000)

// JSON written straight into bytes (src/lib/json-bytes.ts): for every page it covers, the same
// bytes as the serializer compiled from the same schema (fast-json-stringify, as the route's);
// what it does not cover (metadata, a value of another type, a required property missing) it
// leaves to that serializer.
import fastJson from 'fast-json-stringify'
import { describe, expect, it } from 'vitest'
import { jsonBytesOf } from '../../src/lib/json-bytes.js'
import { HistoryPage, type HistoryPageInfo, type MessageInfo } from '../../src/protocol/shapes.js'

const serializer = fastJson(HistoryPage)
const pageBytes = jsonBytesOf(HistoryPage)

/** Characters that JSON escapes, or writes as one to four bytes. */
const PIECES = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u0001', '\u001f', '\u007f', 'é', '€', '😀', '\ud800', '\udfff', '\u2028']

/** A deterministic pseudo-random sequence, so that a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed
  return () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31)
}

function text(next: () => number, length: number, plain: boolean): string {
  if (plain) return 'y'.repeat(length)
  let out = ''
  while (out.length < length) out += PIECES[Math.floor(next() * PIECES.length)]
  return out
}

function page(seed: number): HistoryPageInfo {
  const next = random(seed)
  const lengths = [0, 1, 12, 13, 41, 42, 200, 4999, 5000, 6000]
  const messages: MessageInfo[] = Array.from({ length: Math.floor(next() * 8) }, (_, i) => {
    const message: MessageInfo = {
      message_id: `msg_${seed}_${i}`,
      channel_id: 'ch_01JTEST',
      sender_id: text(next, 1 + Math.floor(next() * 20), next() < 0.5),
      content: text(next, lengths[Math.floor(next() * lengths.length)] as number, next() < 0.3),
      seq: Math.floor(next() * 2 ** 31),
      timestamp: '2026-12-01T22:00:00.000Z',
    }
    if (next() < 0.5) message.client_msg_id = text(next, 1 + Math.floor(next() * 40), next() < 0.5)
    return message
  })
  const history: HistoryPageInfo = { channel_id: 'ch_01JTEST', messages, has_more: next() < 0.5 }
  if (next() < 0.5) history.first_seq = 2 + Math.floor(next() * 1000)
  return history
}

describe('jsonBytesOf', () => {
  it('writes the bytes the compiled serializer writes, escapes and multi-byte characters included', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const value = page(seed)
      expect(pageBytes(value)?.toString('utf8'), `seed ${seed}`).toBe(serializer(value))
    }
  })

  it('writes an empty page and a page of one message', () => {
    const empty: HistoryPageInfo = { channel_id: 'ch_1', messages: [], has_more: false }
    expect(pageBytes(empty)?.toString()).toBe(serializer(empty))
    const one = page(7)
    one.messages = one.messages.slice(0, 1)
    expect(pageBytes(one)?.toString()).toBe(serializer(one))
  })

  it('leaves to the serializer a page with metadata, a value of another type or a required property missing', () => {
    const base = page(3)
    const message: MessageInfo = { message_id: 'm', channel_id: 'c', sender_id: 's', content: 'x', seq: 1, timestamp: 't' }
    expect(pageBytes({ ...base, messages: [{ ...message, metadata: { a: 1 } }] })).toBeUndefined()
    expect(pageBytes({ ...base, messages: [{ ...message, seq: '1' as unknown as number }] })).toBeUndefined()
    expect(pageBytes({ ...base, has_more: 1 as unknown as boolean })).toBeUndefined()
    expect(pageBytes({ ...base, messages: [{ ...message, content: undefined as unknown as string }] })).toBeUndefined()
    // Still usable afterwards: nothing of a refused value is left in what it writes next.
    expect(pageBytes(base)?.toString()).toBe(serializer(base))
  })

  it('writes a page larger than its kept buffer', () => {
    const large: HistoryPageInfo = { channel_id: 'ch_1', messages: [], has_more: true }
    for (let i = 0; i < 40; i++) large.messages.push({ message_id: `m${i}`, channel_id: 'ch_1', sender_id: 's', content: '€'.repeat(10_000), seq: i + 1, timestamp: 't' })
    expect(pageBytes(large)?.toString()).toBe(serializer(large))
    expect(pageBytes(page(5))?.toString()).toBe(serializer(page(5)))
  })
})

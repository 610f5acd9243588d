// PendingRequests on a fake socket: the window of messages in flight, the order of writes, and
// frames refused for now written again after the hub's hint (or on the next connection).
import { describe, expect, it } from 'vitest'
import { PendingRequests } from '../src/pending-requests.js'
import type { HubFrame } from '../src/protocol.js'

function fake(maxInFlight: number) {
  const written: Record<string, unknown>[] = []
  let open = true
  const requests = new PendingRequests((data) => open && written.push(JSON.parse(data) as Record<string, unknown>) > 0, maxInFlight)
  const message = (content: string) =>
    requests.request({ type: 'chat_message', channel_id: 'ch_1', content }, ['ack'], 'resend', 0)
  const ack = (requestId: unknown, seq: number) =>
    requests.settle({ type: 'ack', channel_id: 'ch_1', seq, message_id: `m${seq}`, timestamp: '', request_id: requestId } as HubFrame)
  const refuse = (requestId: unknown, code: string, retryAfterMs?: number) =>
    requests.settle({ type: 'error', code, message: 'not now', request_id: requestId, ...(retryAfterMs === undefined ? {} : { retry_after_ms: retryAfterMs }) } as HubFrame)
  return { requests, written, message, ack, refuse, setOpen: (value: boolean) => (open = value) }
}

describe('PendingRequests', () => {
  it('keeps at most maxInFlight messages unacked and writes the rest in order as acks come back', async () => {
    const { written, message, ack } = fake(2)
    const sends = ['a', 'b', 'c', 'd'].map(message)
    expect(written.map((frame) => frame.content)).toEqual(['a', 'b'])
    ack(written[0]?.request_id, 1)
    expect(written.map((frame) => frame.content)).toEqual(['a', 'b', 'c'])
    ack(written[1]?.request_id, 2)
    ack(written[2]?.request_id, 3)
    ack(written[3]?.request_id, 4)
    expect((await Promise.all(sends)).map((reply) => (reply as { seq: number }).seq)).toEqual([1, 2, 3, 4])
  })

  it('writes a refused message again, unchanged, after retry_after_ms, ahead of those queued behind it', async () => {
    const { written, message, ack, refuse } = fake(1)
    const first = message('a')
    void message('b')
    const original = JSON.stringify(written[0])
    refuse(written[0]?.request_id, 'RATE_LIMITED', 20)
    expect(written).toHaveLength(1)
    await expect.poll(() => written.length).toBe(2)
    expect(JSON.stringify(written[1])).toBe(original)
    ack(written[1]?.request_id, 1)
    expect(await first).toMatchObject({ seq: 1 })
    expect(written[2]?.content).toBe('b')
  })

  it('writes again what was refused after the hold ended, when the refusals came back spread out', async () => {
    const { written, message, ack, refuse } = fake(3)
    const sends = ['a', 'b', 'c'].map(message)
    const ids = written.map((frame) => frame.request_id)
    refuse(ids[0], 'UNAVAILABLE', 10)
    // The hold ends with two still in flight: nothing can go yet (a window of one).
    await expect.poll(() => written.length).toBe(3)
    await new Promise((resolve) => setTimeout(resolve, 30))
    refuse(ids[1], 'UNAVAILABLE', 10)
    refuse(ids[2], 'UNAVAILABLE', 10)
    await expect.poll(() => written.length).toBe(4)
    expect(written[3]?.content).toBe('a')
    ack(written[3]?.request_id, 1)
    // The window grows by one per ack: both others go now.
    await expect.poll(() => written.length).toBe(6)
    ack(written[4]?.request_id, 2)
    ack(written[5]?.request_id, 3)
    expect((await Promise.all(sends)).map((reply) => (reply as { seq: number }).seq)).toEqual([1, 2, 3])
  })

  it('holds a message refused with UNAVAILABLE and no hint for the next connection', () => {
    const { requests, written, message, refuse } = fake(4)
    void message('a')
    refuse(written[0]?.request_id, 'UNAVAILABLE')
    void message('b')
    expect(written).toHaveLength(1)
    requests.opened()
    expect(written.map((frame) => frame.content)).toEqual(['a', 'a', 'b'])
  })

  it('sends what waited, oldest first, once a socket opens', () => {
    const { requests, written, message, setOpen } = fake(8)
    setOpen(false)
    void message('a')
    void requests.request({ type: 'chat_history', channel_id: 'ch_1' }, ['chat_history'], 'resend', 0)
    void message('b')
    setOpen(true)
    requests.opened()
    expect(written.map((frame) => frame.type === 'chat_history' ? 'history' : frame.content)).toEqual(['a', 'history', 'b'])
  })
})

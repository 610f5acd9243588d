// Refusals that mean "not applied, try again": UNAVAILABLE with retry_after_ms is written again,
// unchanged, on the same socket after that long; the caller only ever sees the reply.
import { expect, it } from 'vitest'
import { PendingRequests } from '../src/pending-requests.js'

it('writes a request refused with UNAVAILABLE and retry_after_ms again, byte for byte, and resolves with its reply', async () => {
  const written: string[] = []
  const pending = new PendingRequests((data) => (written.push(data), true))
  const frame = { type: 'chat_message', channel_id: 'ch_1', content: 'hi', client_msg_id: 'm1' } as const
  const reply = pending.request(frame, ['ack'], 'resend', 5000)
  expect(written).toHaveLength(1)
  const sent = JSON.parse(written[0] ?? '{}') as { request_id: string }
  pending.settle({ type: 'error', code: 'UNAVAILABLE', message: 'storage full', retry_after_ms: 20, request_id: sent.request_id })
  await expect.poll(() => written.length).toBe(2)
  expect(written[1]).toBe(written[0])
  const ack = { type: 'ack', message_id: 'msg_1', channel_id: 'ch_1', seq: 1, timestamp: 't', client_msg_id: 'm1', request_id: sent.request_id } as const
  pending.settle(ack)
  await expect(reply).resolves.toMatchObject({ type: 'ack', message_id: 'msg_1' })
})

it('writes a state change refused with UNAVAILABLE and retry_after_ms again too: nothing was applied', async () => {
  const written: string[] = []
  const pending = new PendingRequests((data) => (written.push(data), true))
  const ended = pending.request({ type: 'chat_end', channel_id: 'ch_1' }, ['chat_end'], 'fail', 5000)
  const sent = JSON.parse(written[0] ?? '{}') as { request_id: string }
  pending.settle({ type: 'error', code: 'UNAVAILABLE', message: 'database away', retry_after_ms: 10, request_id: sent.request_id })
  await expect.poll(() => written.length).toBe(2)
  pending.settle({ type: 'chat_end', channel_id: 'ch_1', ended_by: 'me', ended_at: 't', request_id: sent.request_id })
  await expect(ended).resolves.toMatchObject({ type: 'chat_end' })
})

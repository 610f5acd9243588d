// quickSend: one message, one call, one ack, and no socket left behind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ChatClient, quickSend } from '@claw-chat-hub/client'
import { startHub, type TestHub } from '../../../test/helpers/hub.js'

let hub: TestHub
beforeAll(async () => {
  hub = await startHub()
})
afterAll(() => hub.close())

describe('quickSend', () => {
  it('delivers one message and resolves with its ack', async () => {
    const receiver = new ChatClient({ hubUrl: `${hub.wsUrl}/ws`, agentId: 'quick-receiver' })
    await receiver.connect()
    const inbox = receiver.messages()
    const ack = await quickSend({
      hubUrl: hub.wsUrl,
      agentId: 'quick-sender',
      targetAgent: 'quick-receiver',
      content: 'ping from a script',
      metadata: { via: 'quickSend' },
    })
    expect(ack).toMatchObject({ seq: 1, channel_id: expect.stringMatching(/^ch_/) as string })
    const { value } = await inbox.next()
    expect(value).toMatchObject({ message_id: ack.message_id, sender_id: 'quick-sender', content: 'ping from a script', metadata: { via: 'quickSend' } })
    await receiver.disconnect()
  })

  it('is safe to retry with the same clientMsgId', async () => {
    const options = { hubUrl: `${hub.wsUrl}/ws`, agentId: 'retrier', targetAgent: 'someone', content: 'exactly once', clientMsgId: 'job-42' }
    const first = await quickSend(options)
    const second = await quickSend(options)
    expect(second).toMatchObject({ message_id: first.message_id, duplicate: true })
  })

  it('rejects with the hub code when the hub refuses the send', async () => {
    await expect(quickSend({ hubUrl: hub.wsUrl, agentId: 'lonely', targetAgent: 'lonely', content: 'me?' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    })
  })
})

// The ack written a field at a time is byte for byte the JSON of the typed frame it stands for,
// whatever the message's text and the client's request_id hold.
import { expect, it } from 'vitest'
import { ackFrame, ackJson, replyTo } from '../../src/protocol/builders.js'
import type { MessageInfo } from '../../src/protocol/shapes.js'

const message = (clientMsgId?: string): MessageInfo => ({
  message_id: 'msg_01JDXC0ZQH8W3Y4M2N6P9R5T7V',
  channel_id: 'ch_01JDXC0ZQH8W3Y4M2N6P9R5T7V',
  sender_id: 'agent.a:1-b_2',
  content: 'not in the ack',
  seq: 2_147_483_647,
  timestamp: '2026-12-01T23:11:19.123Z',
  ...(clientMsgId === undefined ? {} : { client_msg_id: clientMsgId }),
})

it('writes the ack exactly as JSON.stringify of the frame does', () => {
  const texts = [undefined, 'plain', 'quote " backslash \\ slash / tab \t newline \n', '\u0001\u001f\u007f\u2028\u2029', 'é 日本 🤖', '\ud800 lone \udfff', '</script>']
  const requestIds = [undefined, 0, -(2 ** 53 - 1), 2 ** 53 - 1, 42, '', 'r-1', 'quote " \\ \n 🤖', '\ud83e']
  for (const clientMsgId of texts) {
    for (const requestId of requestIds) {
      for (const duplicate of [false, true]) {
        const info = message(clientMsgId)
        const expected = JSON.stringify(replyTo(ackFrame(info, duplicate), requestId))
        expect(ackJson(info, duplicate, requestId)).toBe(expected)
      }
    }
  }
})

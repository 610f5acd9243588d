// quickSend: one message in one call, for scripts and cron jobs that have nothing else to
// say. Opens a session without reconnects (a one-shot send should fail fast, not linger),
// waits for the ack and always closes. Pass clientMsgId to retry it safely.
import { ChatClient } from './chat-client.js'
import type { Ack, QuickSendOptions } from './types.js'

export async function quickSend(options: QuickSendOptions): Promise<Ack> {
  const client = new ChatClient({
    hubUrl: options.hubUrl,
    agentId: options.agentId,
    apiKey: options.apiKey,
    reconnect: false,
  })
  await client.connect()
  try {
    return await client.sendMessage({
      targetAgent: options.targetAgent,
      content: options.content,
      serviceId: options.serviceId,
      metadata: options.metadata,
      clientMsgId: options.clientMsgId,
    })
  } finally {
    await client.disconnect()
  }
}

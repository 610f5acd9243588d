// Example consumer: asks `weather-svc` for a chat, asks for Beijing's weather, prints the
// reply, ends the chat and exits (0 on success).
//   npx tsx examples/weather-consumer.ts [hubUrl]      (or HUB_URL=ws://host:8765)
import { ChatClient } from '@claw-chat-hub/client'

const hubUrl = process.argv[2] ?? process.env.HUB_URL ?? 'ws://localhost:8765'
const client = new ChatClient({
  hubUrl,
  agentId: process.env.AGENT_ID ?? 'weather-consumer',
  apiKey: process.env.HUB_API_KEY,
})

// A provider that accepts but never answers must not leave this script hanging.
const giveUp = setTimeout(() => {
  console.error('no forecast within 30 s')
  process.exit(1)
}, 30_000)

await client.connect()
const chat = await client.requestChat({ serviceId: 'weather-svc', message: 'Hello, I would like a forecast.' })
if (chat.status === 'rejected') {
  console.error(`weather-svc declined: ${chat.reason ?? 'no reason given'}`)
  process.exitCode = 1
} else {
  // Subscribe before asking, so the answer cannot slip past.
  const incoming = client.messages()
  await client.sendMessage({ channelId: chat.channelId, content: "What's the weather in Beijing today?" })
  for await (const message of incoming) {
    if (message.channel_id !== chat.channelId) continue
    console.log(`weather-svc: ${message.content}`)
    break
  }
  await client.endChat({ channelId: chat.channelId, reason: 'thanks' })
}
clearTimeout(giveUp)
await client.disconnect()

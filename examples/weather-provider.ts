// Example provider: registers `weather-svc`, accepts every chat request and answers each
// message with a (fake) forecast. Stops cleanly on Ctrl-C / SIGTERM.
//   npx tsx examples/weather-provider.ts [hubUrl]      (or HUB_URL=ws://host:8765)
import { ChatClient, type Message } from '@claw-chat-hub/client'

const hubUrl = process.argv[2] ?? process.env.HUB_URL ?? 'ws://localhost:8765'
const client = new ChatClient({
  hubUrl,
  agentId: process.env.AGENT_ID ?? 'weather-provider',
  apiKey: process.env.HUB_API_KEY,
})

// A real provider would call a weather API; the point here is the conversation around it.
const CLIMATE: Record<string, string> = {
  beijing: 'sunny, high 25°C, low 14°C, light north wind',
  shanghai: 'cloudy with showers in the evening, high 22°C, low 17°C',
  london: 'drizzle, high 16°C, low 9°C',
}

function forecast(question: string): string {
  const city = Object.keys(CLIMATE).find((name) => question.toLowerCase().includes(name))
  if (city === undefined) return `Which city? I know ${Object.keys(CLIMATE).join(', ')}.`
  return `Forecast for ${city[0]!.toUpperCase()}${city.slice(1)}: ${CLIMATE[city]}.`
}

client.on('chat_request', (request) => {
  console.log(`chat request from ${request.consumer_id} on ${request.channel_id}`)
  client.acceptChat({ channelId: request.channel_id }).catch((error: Error) => console.error(`accept failed: ${error.message}`))
})
client.on('chat_end', (ended) => console.log(`chat ${ended.channel_id} ended by ${ended.ended_by}`))
client.on('reconnecting', ({ attempt, delayMs }) => console.log(`connection lost; retry ${attempt} in ${delayMs} ms`))

client.listenForMessages(async (message: Message) => {
  console.log(`${message.sender_id}: ${message.content}`)
  await client.sendMessage({ channelId: message.channel_id, content: forecast(message.content) })
})

function shutdown(signal: string): void {
  console.log(`${signal}: disconnecting`)
  // Nothing else holds the event loop, so the process exits once the socket is closed.
  client.disconnect().catch((error: Error) => {
    console.error(error.message)
    process.exitCode = 1
  })
}
process.once('SIGINT', shutdown)
process.once('SIGTERM', shutdown)

await client.connect()
await client.registerService({ serviceId: 'weather-svc', description: 'Fake weather forecasts for a few cities' })
console.log(`weather-svc ready on ${hubUrl} as ${client.agentId}`)

// The two agents of the chat tests over raw /ws frames, on a fresh hub for every test: a provider
// that registers weather-svc and a consumer; openChannel() walks a request through to its accept.
import { afterEach, beforeEach, expect } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { WsAgent } from '../helpers/ws-agent.js'

export let hub: TestHub
export let provider: WsAgent
export let consumer: WsAgent

/** Call at the top level of a test file: the hub and both agents are made before each test. */
export function useWeatherPair(): void {
  beforeEach(async () => {
    hub = await startHub()
    provider = await WsAgent.connect(hub.wsUrl, 'weather-provider')
    consumer = await WsAgent.connect(hub.wsUrl, 'weather-consumer')
    const registered = await provider.request({ type: 'register_service', service_id: 'weather-svc', description: 'Forecasts' }, 'register_service')
    expect(registered).toMatchObject({ service_id: 'weather-svc', provider_id: 'weather-provider', description: 'Forecasts' })
  })

  afterEach(async () => {
    await provider.close()
    await consumer.close()
    await hub.close()
  })
}

export async function openChannel(): Promise<string> {
  consumer.send({ type: 'chat_request', service_id: 'weather-svc', message: 'hello', request_id: 'req-1' })
  const request = await provider.next('chat_request')
  expect(request).toMatchObject({ consumer_id: 'weather-consumer', service_id: 'weather-svc', message: 'hello' })
  const accepted = await provider.request({ type: 'chat_accept', channel_id: request.channel_id }, 'chat_accept')
  expect(accepted).toMatchObject({ channel_id: request.channel_id, status: 'active' })
  const toConsumer = await consumer.next('chat_accept')
  expect(toConsumer).toMatchObject({ channel_id: request.channel_id, status: 'active', request_id: 'req-1' })
  return request.channel_id
}

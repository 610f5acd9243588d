// One hub per test, started with the test's settings, and raw /ws agents on it: all closed after
// each test.
import { afterEach } from 'vitest'
import { startHub, type TestHub } from './hub.js'
import { WsAgent } from './ws-agent.js'

export interface HubAgents {
  start: (env?: Record<string, string>) => Promise<TestHub>
  connect: (agentId: string) => Promise<WsAgent>
}

export function useHubAgents(): HubAgents {
  let hub: TestHub | undefined
  const agents: WsAgent[] = []
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((agent) => agent.close()))
    await hub?.close()
    hub = undefined
  })
  return {
    start: async (env = {}) => {
      hub = await startHub({ env })
      return hub
    },
    connect: async (agentId) => {
      if (!hub) throw new Error('start() the hub first')
      const agent = await WsAgent.connect(hub.wsUrl, agentId)
      agents.push(agent)
      return agent
    },
  }
}

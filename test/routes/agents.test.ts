// REST for agents against a real hub: agents seen over /ws are listed with live presence
// (online, connections) that follows their sockets, and last_seen_at moves when they leave.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startHub, type TestHub } from '../helpers/hub.js'
import { poll } from '../helpers/poll.js'
import { WsAgent } from '../helpers/ws-agent.js'

let hub: TestHub
let counter = 0
const unique = (prefix: string) => `${prefix}-${++counter}`
const open: WsAgent[] = []

interface AgentBody {
  agent_id: string
  display_name: string | null
  created_at: string
  last_seen_at: string | null
  online: boolean
  connections: number
}

beforeAll(async () => {
  hub = await startHub()
})
afterEach(async () => {
  await Promise.all(open.splice(0).map((agent) => agent.close()))
})
afterAll(() => hub.close())

async function connect(agentId: string): Promise<WsAgent> {
  const agent = await WsAgent.connect(hub.wsUrl, agentId)
  open.push(agent)
  return agent
}

const get = (url: string) => hub.app.inject({ method: 'GET', url })

async function readAgent(agentId: string): Promise<AgentBody | undefined> {
  const response = await get(`/agents/${agentId}`)
  return response.statusCode === 200 ? response.json<AgentBody>() : undefined
}

async function listAll(): Promise<AgentBody[]> {
  const all: AgentBody[] = []
  let cursor: string | null = null
  do {
    const response = await get(`/agents?limit=200${cursor ? `&cursor=${cursor}` : ''}`)
    expect(response.statusCode).toBe(200)
    const page = response.json<{ agents: AgentBody[]; next_cursor: string | null }>()
    all.push(...page.agents)
    cursor = page.next_cursor
  } while (cursor !== null)
  return all
}

describe('GET /agents', () => {
  it('counts each live socket of an agent and marks it offline, with last_seen_at, once all close', async () => {
    const agentId = unique('twice')
    const first = await connect(agentId)
    const second = await connect(agentId)

    const online = await poll(
      () => readAgent(agentId),
      (agent) => agent?.connections === 2,
    )
    expect(online).toMatchObject({ agent_id: agentId, online: true, connections: 2 })
    expect(online?.last_seen_at).not.toBeNull()
    expect((await listAll()).find((a) => a.agent_id === agentId)).toMatchObject({ online: true, connections: 2 })

    await first.close()
    const half = await poll(
      () => readAgent(agentId),
      (agent) => agent?.connections === 1,
    )
    expect(half?.online).toBe(true)

    const leftAt = Date.now()
    await second.close()
    const gone = await poll(
      () => readAgent(agentId),
      (agent) => agent?.online === false && Date.parse(agent.last_seen_at ?? '') >= leftAt,
    )
    expect(gone).toMatchObject({ online: false, connections: 0 })
    expect((await listAll()).find((a) => a.agent_id === agentId)).toMatchObject({ online: false, connections: 0 })
  })

  it('lists an agent only known from a channel as never seen and offline', async () => {
    const providerId = unique('rest-prov')
    const consumerId = unique('rest-cons')
    const opened = await hub.app.inject({ method: 'POST', url: '/channels', payload: { provider_id: providerId, consumer_id: consumerId } })
    expect(opened.statusCode).toBe(201)
    const agents = await listAll()
    for (const id of [providerId, consumerId]) {
      expect(agents.find((a) => a.agent_id === id)).toMatchObject({ online: false, connections: 0, last_seen_at: null })
    }
  })

  it('pages by agent id with next_cursor, every agent once, null at the end', async () => {
    for (let i = 0; i < 5; i++) await connect(unique('pg'))
    const everyone = (await listAll()).map((a) => a.agent_id)
    const seen: string[] = []
    let cursor: string | null = null
    let pages = 0
    do {
      const response = await get(`/agents?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      const page = response.json<{ agents: AgentBody[]; next_cursor: string | null }>()
      expect(page.agents.length).toBeLessThanOrEqual(2)
      seen.push(...page.agents.map((a) => a.agent_id))
      cursor = page.next_cursor
      pages++
    } while (cursor !== null && pages < 100)
    expect(cursor).toBeNull()
    expect(seen).toEqual(everyone)
    expect(seen).toEqual([...seen].sort())
    expect(new Set(seen).size).toBe(seen.length)
    expect(seen.length).toBeGreaterThanOrEqual(5)
  })

  it('refuses a bad limit with 400', async () => {
    const response = await get('/agents?limit=0')
    expect(response.statusCode).toBe(400)
    expect(response.json<{ error: { code: string } }>().error.code).toBe('INVALID_REQUEST')
  })
})

describe('GET /agents/:id', () => {
  it('answers 404 with the error shape for an unknown agent', async () => {
    const response = await get(`/agents/${unique('ghost')}`)
    expect(response.statusCode).toBe(404)
    expect(response.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } })
  })

  it('refuses an invalid agent id with 400', async () => {
    const response = await get('/agents/not%20valid')
    expect(response.statusCode).toBe(400)
    expect(response.json()).toEqual({ error: { code: 'INVALID_REQUEST', message: expect.any(String) } })
  })
})

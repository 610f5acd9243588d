// The connection limits of a cluster are the cluster's: with REDIS_URL, MAX_CONNECTIONS_PER_AGENT
// and MAX_CONNECTIONS_PER_ADDRESS count an agent's (an address's) connections on every instance
// together. A closed connection frees its slot for the other instance, and an instance that dies
// frees its slots once its heartbeat expires (PRESENCE_TTL_MS).
import WebSocket from 'ws'
import { afterAll, describe, expect, it } from 'vitest'
import { testDatabaseKind } from '../helpers/database.js'
import { startCluster, type TestCluster } from '../helpers/cluster.js'
import { poll } from '../helpers/poll.js'
import { refusedUpgrade, WsAgent } from '../helpers/ws-agent.js'

let cluster: TestCluster | undefined
const agents: WsAgent[] = []
const sockets: WebSocket[] = []
afterAll(async () => {
  await Promise.all(agents.map((agent) => agent.close().catch(() => undefined)))
  for (const socket of sockets) socket.terminate()
  await cluster?.stop()
})

async function connect(wsUrl: string, agentId: string): Promise<WsAgent> {
  const agent = await WsAgent.connect(wsUrl, agentId)
  agents.push(agent)
  return agent
}

/** The upgrade's answer: 101 (the socket is kept open) or the refusal's status. */
function attempt(wsUrl: string, agentId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${wsUrl}/ws?agent_id=${agentId}`)
    socket.on('open', () => {
      sockets.push(socket)
      resolve(101)
    })
    socket.on('unexpected-response', (request, response) => {
      request.destroy()
      resolve(response.statusCode ?? 0)
    })
    socket.on('error', reject)
  })
}

/** Tries to connect until the hub lets the agent in (each refusal gives its slots back). */
async function connectOnceFree(wsUrl: string, agentId: string): Promise<void> {
  await poll(() => attempt(wsUrl, agentId), (status) => status === 101, 15_000, `a free slot for ${agentId} at ${wsUrl}`)
}

const tooMany = (agentId: string, max: number) => ({
  status: 429,
  body: { error: { code: 'TOO_MANY_CONNECTIONS', message: `Agent ${agentId} already holds ${max} connections, the most allowed` } },
})
const tooManyFromAddress = (max: number) => ({
  status: 429,
  body: { error: { code: 'TOO_MANY_CONNECTIONS_FROM_ADDRESS', message: `Address 127.0.0.1 already holds ${max} connections, the most allowed` } },
})

describe.skipIf(testDatabaseKind() !== 'postgres')('connection limits across hub instances', () => {
  it('counts an agent’s and an address’s connections on both instances against one limit', async () => {
    cluster = await startCluster(2, undefined, { MAX_CONNECTIONS_PER_AGENT: '2', MAX_CONNECTIONS_PER_ADDRESS: '5' })
    const [a, b] = cluster.hubs as [(typeof cluster.hubs)[0], (typeof cluster.hubs)[0]]

    // One connection on each instance: the agent's third is refused on either.
    const onA = await connect(a.wsUrl, 'busy')
    const onB = await connect(b.wsUrl, 'busy')
    expect(await refusedUpgrade(a.wsUrl, '?agent_id=busy')).toEqual(tooMany('busy', 2))
    expect(await refusedUpgrade(b.wsUrl, '?agent_id=busy')).toEqual(tooMany('busy', 2))

    // A close on B frees the slot for A, and one on A frees it for B.
    await onB.close()
    await connectOnceFree(a.wsUrl, 'busy')
    expect(await refusedUpgrade(b.wsUrl, '?agent_id=busy')).toEqual(tooMany('busy', 2))
    await onA.close()
    await connectOnceFree(b.wsUrl, 'busy')
    expect(await refusedUpgrade(a.wsUrl, '?agent_id=busy')).toEqual(tooMany('busy', 2))

    // The address (every client here is 127.0.0.1): two connections on A, three on B, no sixth.
    const other = await connect(a.wsUrl, 'other')
    await connect(b.wsUrl, 'third')
    await connect(b.wsUrl, 'fourth')
    expect(await refusedUpgrade(a.wsUrl, '?agent_id=fifth')).toEqual(tooManyFromAddress(5))
    expect(await refusedUpgrade(b.wsUrl, '?agent_id=fifth')).toEqual(tooManyFromAddress(5))
    // A close on A frees an address slot for B.
    await other.close()
    await connectOnceFree(b.wsUrl, 'fifth')
    expect(await refusedUpgrade(a.wsUrl, '?agent_id=sixth')).toEqual(tooManyFromAddress(5))

    // B dies holding four connections (busy, third, fourth, fifth): once its heartbeat expires
    // they stop counting, and A takes the agent's second slot and the address's other four.
    b.child.kill('SIGKILL')
    await b.exited
    await connectOnceFree(a.wsUrl, 'busy')
    expect(await refusedUpgrade(a.wsUrl, '?agent_id=busy')).toEqual(tooMany('busy', 2))
    for (const agentId of ['third', 'fourth', 'fifth']) await connect(a.wsUrl, agentId)
    expect(await refusedUpgrade(a.wsUrl, '?agent_id=sixth')).toEqual(tooManyFromAddress(5))
  }, 60_000)
})

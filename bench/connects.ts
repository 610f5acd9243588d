// Connect rate by credential: how many agents a second the hub welcomes when each presents an
// operator-issued API key alone, or a JWT alone (HS256, from HUB_JWT_SECRET), or — the
// examples' way — nothing, from this machine. Every agent already exists, as after a deploy,
// when a fleet reconnects at once; each socket is closed once welcomed.
import { performance } from 'node:perf_hooks'
import { SignJWT } from 'jose'
import WebSocket from 'ws'
import { clientAddress, requestFrom } from './addresses.js'

const CONCURRENCY = 64

export type ConnectMode = 'keyless' | 'keyed' | 'jwt'

export interface ConnectResult {
  mode: ConnectMode
  connects: number
  connectsPerSecond: number
}

/** What one agent sends at upgrade. */
interface Attempt {
  query: string
  headers: Record<string, string>
}

/** Issues an API key to each agent (as the keyless operator on this machine). */
export async function issueKeys(httpUrl: string, agentIds: string[]): Promise<Attempt[]> {
  const attempts: Attempt[] = []
  for (const [i, agentId] of agentIds.entries()) {
    const response = await requestFrom(i, `${httpUrl}/agents`, 'POST', { agent_id: agentId })
    if (response.status !== 201) throw new Error(`issuing a key to ${agentId}: ${response.status} ${JSON.stringify(response.json)}`)
    const { api_key: key } = response.json as { api_key: string }
    attempts.push({ query: '', headers: { authorization: `Bearer ${key}` } })
  }
  return attempts
}

/** A JWT per agent, signed with the hub's HUB_JWT_SECRET, as the agents' own backend would. */
export async function mintTokens(secret: string, agentIds: string[]): Promise<Attempt[]> {
  const key = new TextEncoder().encode(secret)
  return Promise.all(
    agentIds.map(async (agentId) => {
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(agentId).setExpirationTime('1h').sign(key)
      return { query: '', headers: { authorization: `Bearer ${token}` } }
    }),
  )
}

export const keyless = (agentIds: string[]): Attempt[] =>
  agentIds.map((agentId) => ({ query: `?agent_id=${encodeURIComponent(agentId)}`, headers: {} }))

/** Connects every attempt (CONCURRENCY at a time), each until its welcome, then closes it. */
export async function measureConnects(wsUrl: string, mode: ConnectMode, attempts: Attempt[]): Promise<ConnectResult> {
  const started = performance.now()
  let next = 0
  const worker = async () => {
    while (next < attempts.length) {
      const i = next++
      const { query, headers } = attempts[i] as Attempt
      await new Promise<void>((resolve, reject) => {
        const socket = new WebSocket(`${wsUrl}/ws${query}`, { headers, localAddress: clientAddress(i) })
        socket.once('message', (data: Buffer) => {
          const frame = JSON.parse(data.toString()) as { type: string }
          if (frame.type !== 'welcome') reject(new Error(`${mode} connect: ${data.toString()}`))
          socket.terminate()
          resolve()
        })
        socket.once('unexpected-response', (_request, response) => reject(new Error(`${mode} connect refused: ${response.statusCode}`)))
        socket.once('error', reject)
      })
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, worker))
  const seconds = (performance.now() - started) / 1000
  return { mode, connects: attempts.length, connectsPerSecond: attempts.length / seconds }
}

// Connect rate by credential: how many agents a second the hub welcomes when each presents an
// operator-issued API key alone, or a JWT alone (HS256, from HUB_JWT_SECRET), or — the
// examples' way — nothing, from this machine. Every agent already exists, as after a deploy,
// when a fleet reconnects at once; each socket is closed once welcomed.
import { fork, type ChildProcess } from 'node:child_process'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { SignJWT } from 'jose'
import type { Attempt, FromWorker, ToWorker } from './connect-worker.js'
import { clientAddress, requestFrom } from './addresses.js'

const CONCURRENCY = 64
/** Load-generator processes, so that the generator is not the bound (its CPU is printed). */
const PROCESSES = 2
const WORKER = fileURLToPath(new URL('./connect-worker.ts', import.meta.url))

export type ConnectMode = 'keyless' | 'keyed' | 'jwt'

export interface ConnectResult {
  mode: ConnectMode
  connects: number
  connectsPerSecond: number
  /** The load generators' CPU meanwhile (cores), to show they were not the bound. */
  generatorCores: number
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

/**
 * Connects every attempt, CONCURRENCY at a time spread over PROCESSES load-generator processes
 * (bench/connect-worker.ts), each until its welcome, then closes it; with the generators' CPU.
 */
export async function measureConnects(wsUrl: string, mode: ConnectMode, attempts: Attempt[]): Promise<ConnectResult> {
  const port = Number(new URL(wsUrl).port)
  const workers = Array.from({ length: PROCESSES }, () => fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: 'inherit' }))
  try {
    // Each attempt from an address of its own, as a fleet's machines would connect.
    const placed = attempts.map((attempt, n) => ({ ...attempt, address: clientAddress(n) }))
    const shares = workers.map((_, i) => placed.filter((_, n) => n % PROCESSES === i))
    await Promise.all(
      workers.map((worker, i) => ask(worker, { kind: 'load', port, attempts: shares[i] as Attempt[], concurrency: CONCURRENCY / PROCESSES })),
    )
    const started = performance.now()
    const done = await Promise.all(workers.map((worker) => ask(worker, { kind: 'go' })))
    const seconds = (performance.now() - started) / 1000
    const cpuSeconds = done.reduce((total, reply) => total + (reply.kind === 'done' ? reply.cpuSeconds : 0), 0)
    return { mode, connects: attempts.length, connectsPerSecond: attempts.length / seconds, generatorCores: cpuSeconds / seconds }
  } finally {
    for (const worker of workers) worker.kill()
  }
}

/** Sends a message to a load generator and waits for its answer (rejecting if it failed). */
function ask(worker: ChildProcess, message: ToWorker): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: FromWorker) => (reply.kind === 'failed' ? reject(new Error(reply.message)) : resolve(reply)))
    worker.once('exit', (code) => reject(new Error(`a load generator exited (${code})`)))
    worker.send(message)
  })
}

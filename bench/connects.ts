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
import { cpuSeconds as hubCpuSeconds } from './servers.js'
import { JWT_SECRET } from './settings.js'

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
  /** The hub's CPU per connect (ms), when its process was given: less noisy than the rate on a shared machine. */
  hubCpuMs?: number
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
export async function measureConnects(wsUrl: string, mode: ConnectMode, attempts: Attempt[], hubPid?: number): Promise<ConnectResult> {
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
    const hubBefore = hubPid === undefined ? NaN : hubCpuSeconds(hubPid)
    const done = await Promise.all(workers.map((worker) => ask(worker, { kind: 'go' })))
    const seconds = (performance.now() - started) / 1000
    const cpuSeconds = done.reduce((total, reply) => total + (reply.kind === 'done' ? reply.cpuSeconds : 0), 0)
    const hubCpuMs = hubPid === undefined ? undefined : ((hubCpuSeconds(hubPid) - hubBefore) * 1000) / attempts.length
    return { mode, connects: attempts.length, connectsPerSecond: attempts.length / seconds, generatorCores: cpuSeconds / seconds, hubCpuMs }
  } finally {
    for (const worker of workers) worker.kill()
  }
}

/**
 * Connects per second by credential, on the hub at this port (which accepts JWTs signed with
 * JWT_SECRET). Every mode first connects its agents once (they exist then, as when a fleet
 * reconnects, and the hub has run each path), then each is measured on a second pass: measured
 * right after its own first pass, whichever mode came first paid for the hub's warming up.
 */
export async function connectRates(port: number, count: number, hubPid?: number): Promise<ConnectResult[]> {
  const modes = ['keyless', 'keyed', 'jwt'] as const
  const ids = (mode: string) => Array.from({ length: count }, (_, i) => `connect-${mode}-${i}`)
  const attempts = {
    keyless: keyless(ids('keyless')),
    keyed: await issueKeys(`http://127.0.0.1:${port}`, ids('keyed')),
    jwt: await mintTokens(JWT_SECRET, ids('jwt')),
  }
  const wsUrl = `ws://127.0.0.1:${port}`
  for (const mode of modes) await measureConnects(wsUrl, mode, attempts[mode])
  const results: ConnectResult[] = []
  for (const mode of modes) results.push(await measureConnects(wsUrl, mode, attempts[mode], hubPid))
  return results
}

/** Sends a message to a load generator and waits for its answer (rejecting if it failed). */
function ask(worker: ChildProcess, message: ToWorker): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    worker.once('message', (reply: FromWorker) => (reply.kind === 'failed' ? reject(new Error(reply.message)) : resolve(reply)))
    worker.once('exit', (code) => reject(new Error(`a load generator exited (${code})`)))
    worker.send(message)
  })
}

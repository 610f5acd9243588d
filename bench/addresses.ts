// Client addresses for the benchmark's many simulated clients: every agent (and every history
// reader) connects from an address of its own in 127.0.0.0/8, as a fleet of machines would, so
// that the hub's per-address limits see what they would see in production, on their defaults.
import { Agent, request } from 'node:http'

/** The i-th client's address: 127.1.0.1, 127.1.0.2, … (loopback: still "this machine"). */
export function clientAddress(i: number): string {
  return `127.${1 + Math.floor(i / 62_500)}.${Math.floor(i / 250) % 250}.${1 + (i % 250)}`
}

const agents = new Map<string, Agent>()

/** A keep-alive HTTP agent whose requests come from the i-th client address. */
export function httpAgentOf(i: number): Agent {
  const localAddress = clientAddress(i)
  let agent = agents.get(localAddress)
  if (!agent) {
    agent = new Agent({ keepAlive: true, localAddress })
    agents.set(localAddress, agent)
  }
  return agent
}

/** An HTTP request from the i-th client address; resolves with the status and the parsed body. */
export function requestFrom(i: number, url: string, method = 'GET', body?: unknown): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const headers = payload === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
    const sent = request(url, { method, agent: httpAgentOf(i), headers }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        resolve({ status: response.statusCode ?? 0, json: text ? (JSON.parse(text) as unknown) : undefined })
      })
    })
    sent.on('error', reject)
    sent.end(payload)
  })
}

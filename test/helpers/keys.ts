// Credentials for tests: keys issued the way an operator issues them (REST, as the keyless
// operator on this machine or with the admin token), and the stored credentials of every
// agent, to show that a refused request changed none of them.
import type { App } from '../../src/app.js'

export async function issueKey(httpUrl: string, agentId: string, headers: Record<string, string> = {}): Promise<string> {
  const existing = await fetch(`${httpUrl}/agents/${agentId}`, { headers })
  // An agent that has (or had) a key gets a new one by rotation.
  const response =
    existing.status === 200
      ? await fetch(`${httpUrl}/agents/${agentId}/key`, { method: 'POST', headers })
      : await fetch(`${httpUrl}/agents`, {
          method: 'POST',
          headers: { ...headers, 'content-type': 'application/json' },
          body: JSON.stringify({ agent_id: agentId }),
        })
  if (!response.ok) throw new Error(`issuing a key to ${agentId}: ${response.status} ${await response.text()}`)
  return ((await response.json()) as { api_key: string }).api_key
}

/** Every agent's id and credential columns, in id order. */
export async function agentRows(app: App) {
  return app.store.database.prisma.agent.findMany({
    select: { id: true, apiKeyDigest: true, apiKeyHash: true, keyRevokedAt: true },
    orderBy: { id: 'asc' },
  })
}

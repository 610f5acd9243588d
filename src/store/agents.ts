// Agents: created on first sight (first /ws connection or first mention over REST), with the
// time each was last seen.
import type { Agent } from '../generated/sqlite/client.js'
import type { Db } from './database.js'
import { pageByKey, type Page } from './pagination.js'

export class AgentStore {
  constructor(private readonly db: Db) {}

  /** Records that the agent is here now, creating it on first sight. */
  async touch(agentId: string): Promise<void> {
    const now = new Date()
    await this.db.agent.upsert({
      where: { id: agentId },
      create: { id: agentId, lastSeenAt: now },
      update: { lastSeenAt: now },
    })
  }

  /** Creates the agents that do not exist yet. */
  async ensure(agentIds: string[]): Promise<void> {
    for (const id of new Set(agentIds)) {
      await this.db.agent.upsert({ where: { id }, create: { id }, update: {} })
    }
  }

  /** Binds a first key to the agent (creating it); false if it already had one or was revoked. */
  async bindFirstKey(agentId: string, hash: string): Promise<boolean> {
    await this.db.agent.upsert({ where: { id: agentId }, create: { id: agentId }, update: {} })
    const { count } = await this.db.agent.updateMany({
      where: { id: agentId, apiKeyHash: null, keyRevokedAt: null },
      data: { apiKeyHash: hash },
    })
    return count === 1
  }

  /** Gives the agent a new key (creating the agent), replacing and un-revoking any old one. */
  setKey(agentId: string, hash: string, displayName?: string): Promise<Agent> {
    const data = { apiKeyHash: hash, keyRevokedAt: null, ...(displayName !== undefined ? { displayName } : {}) }
    return this.db.agent.upsert({ where: { id: agentId }, create: { id: agentId, ...data }, update: data })
  }

  /** Revokes the agent's key; null if the agent does not exist. */
  async revokeKey(agentId: string): Promise<Agent | null> {
    const { count } = await this.db.agent.updateMany({
      where: { id: agentId },
      data: { apiKeyHash: null, keyRevokedAt: new Date() },
    })
    return count === 0 ? null : this.get(agentId)
  }

  get(agentId: string): Promise<Agent | null> {
    return this.db.agent.findUnique({ where: { id: agentId } })
  }

  list(limit: number, cursor?: string): Promise<Page<Agent>> {
    return pageByKey(limit, (take) =>
      this.db.agent.findMany({ where: cursor ? { id: { gt: cursor } } : {}, orderBy: { id: 'asc' }, take }),
    )
  }
}

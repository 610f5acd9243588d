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

  get(agentId: string): Promise<Agent | null> {
    return this.db.agent.findUnique({ where: { id: agentId } })
  }

  list(limit: number, cursor?: string): Promise<Page<Agent>> {
    return pageByKey(limit, (take) =>
      this.db.agent.findMany({ where: cursor ? { id: { gt: cursor } } : {}, orderBy: { id: 'asc' }, take }),
    )
  }
}

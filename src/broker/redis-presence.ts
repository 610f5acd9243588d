// Who is connected anywhere in the cluster. Each instance keeps a hash of its agents and their
// connection counts, and a heartbeat in a sorted set of instances scored by when it expires;
// readers count only live instances, and a dead instance's hash expires on its own.
import type { Redis } from 'ioredis'

/** The sorted set of live instances, scored by when each one's heartbeat expires. */
export const instancesKey = (prefix: string): string => `${prefix}instances`

export interface PresenceOptions {
  prefix: string
  instanceId: string
  /** How long an instance that stopped beating still counts as live. */
  ttlMs: number
  /** The agents connected to this instance, with their connection counts. */
  local: () => Map<string, number>
}

export class Presence {
  private readonly instancesKey: string
  private readonly agentsKey: string

  constructor(
    private readonly redis: Redis,
    private readonly options: PresenceOptions,
  ) {
    this.instancesKey = instancesKey(options.prefix)
    this.agentsKey = `${options.prefix}presence:${options.instanceId}`
  }

  /** Records the agent's connection count here (between beats; a failure waits for the next beat). */
  async set(agentId: string, connections: number): Promise<void> {
    if (connections > 0) await this.redis.hset(this.agentsKey, agentId, connections)
    else await this.redis.hdel(this.agentsKey, agentId)
  }

  /** Rewrites this instance's agents and extends its life; drops instances that stopped beating. */
  async beat(): Promise<void> {
    const now = Date.now()
    const local = this.options.local()
    const multi = this.redis.multi().del(this.agentsKey)
    if (local.size > 0) multi.hset(this.agentsKey, local).pexpire(this.agentsKey, this.options.ttlMs)
    await multi
      .zadd(this.instancesKey, now + this.options.ttlMs, this.options.instanceId)
      .zremrangebyscore(this.instancesKey, '-inf', now)
      .exec()
  }

  /** Connection counts of the agents on every live instance. */
  async connections(agentIds: string[]): Promise<Map<string, number>> {
    const counts = new Map(agentIds.map((id) => [id, 0]))
    if (agentIds.length === 0) return counts
    const live = await this.redis.zrangebyscore(this.instancesKey, Date.now(), '+inf')
    const pipeline = this.redis.pipeline()
    for (const instanceId of live) pipeline.hmget(`${this.options.prefix}presence:${instanceId}`, ...agentIds)
    for (const [error, values] of (await pipeline.exec()) ?? []) {
      if (error) throw error
      ;(values as (string | null)[]).forEach((value, i) => {
        const agentId = agentIds[i] as string
        counts.set(agentId, (counts.get(agentId) ?? 0) + Number(value ?? 0))
      })
    }
    return counts
  }

  /** This instance leaves the cluster. */
  async leave(): Promise<void> {
    await this.redis.multi().del(this.agentsKey).zrem(this.instancesKey, this.options.instanceId).exec()
  }
}

// Agents: created on first sight (first /ws connection or first mention over REST), with the
// time each was last seen, and their credentials: an API key's digest (indexed, so the key alone
// finds its agent) or, for a key stored by an earlier version, its scrypt hash.
import type { Agent } from '../generated/sqlite/client.js'
import type { Provider } from './database-url.js'
import type { Db } from './database.js'
import { param, placeholders, stamp } from './driver-sql.js'
import { LastSeen } from './last-seen.js'
import type { MessageLog } from './message-log.js'
import { pageByKey, type Page } from './pagination.js'

/** What authentication needs of an agent row. */
export interface Credentials {
  agentId: string
  /** The digest of its current (or revoked) key. */
  keyDigest: string | null
  /** The scrypt hash of a key stored by an earlier version. */
  legacyHash: string | null
  revoked: boolean
}

interface CredentialRow {
  id: string
  api_key_digest: string | null
  api_key_hash: string | null
  revoked: boolean | number | bigint
}

/** Does the agent have a key that is not revoked? */
export const hasKey = (row: Pick<Agent, 'apiKeyDigest' | 'apiKeyHash' | 'keyRevokedAt'>): boolean =>
  row.apiKeyHash !== null || (row.apiKeyDigest !== null && row.keyRevokedAt === null)

export class AgentStore {
  private readonly lastSeen: LastSeen

  constructor(
    private readonly db: Db,
    private readonly log: MessageLog,
    private readonly provider: Provider,
    onError: (error: unknown) => void,
  ) {
    this.lastSeen = new LastSeen(db, log, provider, onError)
  }

  /** Records that the agent is here now, creating it on first sight (see LastSeen). */
  touch(agentId: string): Promise<void> {
    return this.lastSeen.touch(agentId)
  }

  /** Writes every last-seen time recorded so far. */
  flush(): Promise<void> {
    return this.lastSeen.flush()
  }

  /** The agent whose key has this digest: one read of a unique index, on every connect. */
  byKeyDigest(digest: string): Promise<Credentials | null> {
    return this.credentials('api_key_digest', digest)
  }

  credentialsOf(agentId: string): Promise<Credentials | null> {
    return this.credentials('id', agentId)
  }

  /** Replaces a key's scrypt hash by its digest, unless the key changed meanwhile. */
  async upgradeLegacyKey(agentId: string, legacyHash: string, digest: string): Promise<void> {
    await this.db.agent.updateMany({ where: { id: agentId, apiKeyHash: legacyHash }, data: { apiKeyDigest: digest, apiKeyHash: null } })
  }

  /** How many agents still have a key in scrypt form. */
  countLegacyKeys(): Promise<number> {
    return this.db.agent.count({ where: { apiKeyHash: { not: null } } })
  }

  /** Creates the agents that do not exist yet (looked up first on the driver: most do). */
  async ensure(agentIds: string[]): Promise<void> {
    const ids = [...new Set(agentIds)]
    if (ids.length === 0) return
    const known = new Set((await this.log.read<{ id: string }>(`SELECT id FROM agents WHERE id IN (${placeholders(ids.length)})`, ids)).map((row) => row.id))
    const missing = ids.filter((id) => !known.has(id))
    if (missing.length === 0) return
    // One statement, which instances racing to create the same agent may all run: the later ones do nothing.
    const values = missing.map((_, i) => `(${param(this.provider, 2 * i + 1)}, ${param(this.provider, 2 * i + 2, true)})`).join(', ')
    const now = stamp(this.provider, new Date())
    await this.db.$executeRawUnsafe(`INSERT INTO agents (id, created_at) VALUES ${values} ON CONFLICT (id) DO NOTHING`, ...missing.flatMap((id) => [id, now]))
  }

  /** Gives the agent a new key (creating the agent), replacing and un-revoking any old one. */
  setKey(agentId: string, digest: string, displayName?: string): Promise<Agent> {
    const data = { apiKeyDigest: digest, apiKeyHash: null, keyRevokedAt: null, ...(displayName !== undefined ? { displayName } : {}) }
    return this.db.agent.upsert({ where: { id: agentId }, create: { id: agentId, ...data }, update: data })
  }

  /** Revokes the agent's key (its digest stays, to be recognised); null if the agent does not exist. */
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

  private async credentials(column: 'id' | 'api_key_digest', value: string): Promise<Credentials | null> {
    // On the driver: this read is on every connect, and the ORM's own work would cost more than it.
    const [row] = await this.log.read<CredentialRow>(
      `SELECT id, api_key_digest, api_key_hash, key_revoked_at IS NOT NULL AS revoked FROM agents WHERE ${column} = $1`,
      [value],
    )
    if (!row) return null
    return { agentId: row.id, keyDigest: row.api_key_digest, legacyHash: row.api_key_hash, revoked: Boolean(row.revoked) }
  }
}

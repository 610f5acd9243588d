// Services and the provider each is bound to. A service id belongs to the first provider that
// registers it; only that provider can register it again (to change its description). The
// lookup on every chat request reads on the driver, past the ORM.
import type { Service } from '../generated/sqlite/client.js'
import { Errors } from '../errors.js'
import type { Provider } from './database-url.js'
import type { Db } from './database.js'
import { utcColumn } from './driver-sql.js'
import type { MessageLog } from './message-log.js'
import { pageByKey, type Page } from './pagination.js'
import { isUniqueViolation } from './prisma-errors.js'

interface ServiceRow {
  id: string
  provider_id: string
  description: string | null
  created_at: Date | string
}

export class ServiceStore {
  private readonly getSql: string

  constructor(
    private readonly db: Db,
    private readonly log: MessageLog,
    provider: Provider,
  ) {
    this.getSql = `SELECT id, provider_id, description, ${utcColumn(provider, 'created_at')} FROM services WHERE id = $1`
  }

  async register(providerId: string, serviceId: string, description?: string): Promise<Service> {
    await this.db.agent.upsert({ where: { id: providerId }, create: { id: providerId }, update: {} })
    let service: Service
    try {
      service = await this.db.service.upsert({
        where: { id: serviceId },
        create: { id: serviceId, providerId, description: description ?? null },
        update: {},
      })
    } catch (error) {
      // Two first registrations raced: the loser reads the winner's row.
      if (!isUniqueViolation(error)) throw error
      service = await this.db.service.findUniqueOrThrow({ where: { id: serviceId } })
    }
    if (service.providerId !== providerId) throw new Errors.ServiceTaken(serviceId)
    if (description !== undefined && description !== service.description) {
      service = await this.db.service.update({ where: { id: serviceId }, data: { description } })
    }
    return service
  }

  async get(serviceId: string): Promise<Service | null> {
    const [row] = await this.log.read<ServiceRow>(this.getSql, [serviceId])
    return row ? { id: row.id, providerId: row.provider_id, description: row.description, createdAt: new Date(row.created_at) } : null
  }

  list(limit: number, cursor?: string, providerId?: string): Promise<Page<Service>> {
    return pageByKey(limit, (take) =>
      this.db.service.findMany({
        where: { ...(cursor ? { id: { gt: cursor } } : {}), ...(providerId ? { providerId } : {}) },
        orderBy: { id: 'asc' },
        take,
      }),
    )
  }
}

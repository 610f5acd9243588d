// Services and the provider each is bound to. A service id belongs to the first provider that
// registers it; only that provider can register it again (to change its description).
import type { Service } from '../generated/sqlite/client.js'
import { Errors } from '../errors.js'
import type { Db } from './database.js'
import { pageByKey, type Page } from './pagination.js'
import { isUniqueViolation } from './prisma-errors.js'

export class ServiceStore {
  constructor(private readonly db: Db) {}

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

  get(serviceId: string): Promise<Service | null> {
    return this.db.service.findUnique({ where: { id: serviceId } })
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

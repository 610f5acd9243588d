// REST for services through app.inject: binding a service to its provider, updating it, refusing
// another provider, listing with a provider filter and cursors, and refusing invalid ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { App } from '../../src/app.js'
import { buildTestApp } from '../helpers/hub.js'

let app: App
let close: () => Promise<void>
let counter = 0
const unique = (prefix: string) => `${prefix}-${++counter}`

interface ServiceBody {
  service_id: string
  provider_id: string
  description: string | null
  created_at: string
}
interface ServicePage {
  services: ServiceBody[]
  next_cursor: string | null
}

beforeAll(async () => {
  ;({ app, close } = await buildTestApp())
})
afterAll(() => close())

const register = (payload: Record<string, unknown>) => app.inject({ method: 'POST', url: '/services', payload })
const list = async (query: string) => {
  const response = await app.inject({ method: 'GET', url: `/services?${query}` })
  expect(response.statusCode).toBe(200)
  return response.json<ServicePage>()
}

function expectError(response: { statusCode: number; json(): unknown }, status: number, code: string): void {
  expect(response.statusCode).toBe(status)
  const body = response.json() as { error: { code: string; message: string } }
  expect(Object.keys(body)).toEqual(['error'])
  expect(body.error.code).toBe(code)
  expect(body.error.message).toEqual(expect.any(String))
}

describe('POST /services', () => {
  it('binds a new service to its provider (201)', async () => {
    const payload = { service_id: unique('weather'), provider_id: unique('prov'), description: 'forecasts' }
    const response = await register(payload)
    expect(response.statusCode).toBe(201)
    const service = response.json<ServiceBody>()
    expect(service).toMatchObject(payload)
    expect(new Date(service.created_at).toISOString()).toBe(service.created_at)
    const agent = await app.inject({ method: 'GET', url: `/agents/${payload.provider_id}` })
    expect(agent.statusCode).toBe(200)
  })

  it('updates the description when the same provider registers again, keeping created_at', async () => {
    const serviceId = unique('svc')
    const providerId = unique('prov')
    const first = (await register({ service_id: serviceId, provider_id: providerId, description: 'v1' })).json<ServiceBody>()
    const again = await register({ service_id: serviceId, provider_id: providerId, description: 'v2' })
    expect([200, 201]).toContain(again.statusCode)
    expect(again.json()).toEqual({ ...first, description: 'v2' })

    // Without a description, the stored one stays.
    const bare = await register({ service_id: serviceId, provider_id: providerId })
    expect(bare.json<ServiceBody>().description).toBe('v2')
    expect((await list(`provider_id=${providerId}`)).services).toEqual([{ ...first, description: 'v2' }])
  })

  it('refuses another provider with 409 SERVICE_TAKEN and keeps the owner', async () => {
    const serviceId = unique('svc')
    const owner = unique('owner')
    expect((await register({ service_id: serviceId, provider_id: owner, description: 'mine' })).statusCode).toBe(201)
    expectError(await register({ service_id: serviceId, provider_id: unique('thief'), description: 'theirs' }), 409, 'SERVICE_TAKEN')
    const [service] = (await list(`provider_id=${owner}`)).services
    expect(service).toMatchObject({ service_id: serviceId, provider_id: owner, description: 'mine' })
  })

  it('binds a service to exactly one of two providers registering it concurrently', async () => {
    const serviceId = unique('contested')
    const providers = [unique('p'), unique('p'), unique('p')]
    const responses = await Promise.all(providers.map((providerId) => register({ service_id: serviceId, provider_id: providerId })))
    const statuses = responses.map((r) => r.statusCode)
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(2)
    const winner = providers[statuses.indexOf(201)]
    const page = await list('limit=200')
    expect(page.services.filter((s) => s.service_id === serviceId)).toEqual([expect.objectContaining({ provider_id: winner })])
  })

  it.each([
    ['a service id with a space', { service_id: 'my service', provider_id: 'ok' }],
    ['an empty service id', { service_id: '', provider_id: 'ok' }],
    ['a provider id of 129 characters', { service_id: 'ok', provider_id: 'p'.repeat(129) }],
    ['a provider id with a slash', { service_id: 'ok', provider_id: 'a/b' }],
    ['a description over 2000 characters', { service_id: 'ok', provider_id: 'ok', description: 'd'.repeat(2001) }],
  ])('refuses %s with 400', async (_name, payload) => {
    expectError(await register(payload), 400, 'INVALID_REQUEST')
  })
})

describe('GET /services', () => {
  it('filters by provider_id and walks pages with next_cursor, null at the end', async () => {
    const providerId = unique('lister')
    const mine = ['a', 'b', 'c', 'd', 'e'].map((suffix) => `${unique('lst')}-${suffix}`)
    for (const serviceId of mine) expect((await register({ service_id: serviceId, provider_id: providerId })).statusCode).toBe(201)
    expect((await register({ service_id: unique('lst-other'), provider_id: unique('else') })).statusCode).toBe(201)

    const seen: string[] = []
    const sizes: number[] = []
    let cursor: string | null = null
    for (let pages = 0; pages < 10; pages++) {
      const page: ServicePage = await list(`provider_id=${providerId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      sizes.push(page.services.length)
      seen.push(...page.services.map((s) => s.service_id))
      expect(page.services.every((s) => s.provider_id === providerId)).toBe(true)
      cursor = page.next_cursor
      if (cursor === null) break
    }
    expect(cursor).toBeNull()
    expect(sizes).toEqual([2, 2, 1])
    expect(seen).toEqual([...mine].sort())
  })

  it('lists every service without a filter, ordered by id', async () => {
    const page = await list('limit=200')
    const ids = page.services.map((s) => s.service_id)
    expect(ids.length).toBeGreaterThan(0)
    expect(ids).toEqual([...ids].sort())
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('returns an empty page for a provider with no services', async () => {
    expect(await list(`provider_id=${unique('nobody')}`)).toEqual({ services: [], next_cursor: null })
  })

  it.each(['provider_id=bad%20id', 'limit=0', 'limit=201', 'cursor='])('refuses %s with 400', async (query) => {
    expectError(await app.inject({ method: 'GET', url: `/services?${query}` }), 400, 'INVALID_REQUEST')
  })
})

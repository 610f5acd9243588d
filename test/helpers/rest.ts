// REST route tests through app.inject: one app for the whole file (so ids are made unique per
// file), JSON in, the wire shapes out, and the hub's one error shape checked.
import { afterAll, beforeAll, expect } from 'vitest'
import type { InjectOptions } from 'fastify'
import type { App } from '../../src/app.js'
import type { ChannelInfo } from '../../src/protocol/shapes.js'
import { buildTestApp } from './hub.js'

export type Json = Record<string, unknown>

/** The response is an error of this status (and code): `{error: {code, message}}` and nothing else. */
export function expectError(response: { statusCode: number; json(): unknown }, status: number, code?: string): void {
  expect(response.statusCode).toBe(status)
  const body = response.json() as { error: { code: unknown; message: unknown } }
  expect(Object.keys(body)).toEqual(['error'])
  expect(typeof body.error.code).toBe('string')
  expect(typeof body.error.message).toBe('string')
  if (code !== undefined) expect(body.error.code).toBe(code)
}

/** Builds one app for the file's tests (closed after them) and REST calls on it. */
export function useRestApi() {
  let app: App
  let close: () => Promise<void>
  let counter = 0
  beforeAll(async () => {
    ;({ app, close } = await buildTestApp())
  })
  afterAll(() => close())

  /** Ids unique within the file, since all its tests share one database. */
  const unique = (prefix: string) => `${prefix}-${++counter}`
  const post = (url: string, payload?: Json) => app.inject({ method: 'POST', url, ...(payload ? { payload } : {}) })
  const get = (url: string) => app.inject({ method: 'GET', url })

  return {
    unique,
    post,
    get,
    /** Any other request, as app.inject takes it. */
    inject: (options: InjectOptions) => app.inject(options),
    /** Opens an active channel (201) as the operator. */
    openChannel: async (providerId = unique('prov'), consumerId = unique('cons'), serviceId?: string) => {
      const response = await post('/channels', { provider_id: providerId, consumer_id: consumerId, ...(serviceId ? { service_id: serviceId } : {}) })
      expect(response.statusCode).toBe(201)
      return response.json<ChannelInfo>()
    },
    send: (channelId: string, senderId: string, content: string, extra: Json = {}) =>
      post(`/channels/${channelId}/messages`, { sender_id: senderId, content, ...extra }),
    registerService: async (providerId: string, serviceId = unique('svc')) => {
      const response = await post('/services', { service_id: serviceId, provider_id: providerId })
      expect(response.statusCode).toBe(201)
      return serviceId
    },
    lastSeq: async (channelId: string) => (await get(`/channels/${channelId}`)).json<ChannelInfo>().last_seq,
  }
}

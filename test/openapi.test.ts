// The OpenAPI document reads well: every operation is named and summarized, every response is
// described (errors with the Error schema and examples), resources are named components referred
// to by name, every written example validates against the schema it illustrates, and Swagger UI
// points to the /ws protocol.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHANNEL_EXAMPLE } from '../src/protocol/examples.js'
import { buildTestApp } from './helpers/hub.js'
import { documentValidator, pointerOf, walk } from './helpers/json-schema.js'
import type { App } from '../src/app.js'

interface Media {
  schema?: { $ref?: string }
  example?: unknown
  examples?: Record<string, { value: unknown }>
}
interface Operation {
  operationId?: string
  summary?: string
  responses: Record<string, { description?: string; content?: Record<string, Media> }>
}
interface OpenApi {
  info: { description: string }
  externalDocs?: { url: string }
  paths: Record<string, Record<string, Operation>>
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> }
}

const OPERATION_IDS = [
  'getAsyncApi',
  'getMetrics',
  'getLiveness',
  'getReadiness',
  'consoleEvents',
  'listChannels',
  'openChannel',
  'getChannel',
  'listMessages',
  'deleteMessages',
  'sendMessage',
  'endChannel',
  'listServices',
  'registerService',
  'listAgents',
  'getAgent',
  'registerAgent',
  'rotateAgentKey',
  'revokeAgentKey',
]
const NAMED = ['Channel', 'Message', 'Agent', 'Service', 'Error', 'ChannelPage', 'AgentPage', 'ServicePage', 'HistoryPage']

describe('OpenAPI document', () => {
  let app: App
  let close: () => Promise<void>
  let doc: OpenApi
  let operations: Array<[string, Operation]>
  beforeAll(async () => {
    ;({ app, close } = await buildTestApp())
    doc = app.swagger() as unknown as OpenApi
    operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]): [string, Operation] => [`${method.toUpperCase()} ${path}`, operation]),
    )
  })
  afterAll(() => close())

  it('names and summarizes every operation, each id once', () => {
    for (const [route, operation] of operations) {
      expect(operation.operationId, route).toMatch(/^[a-z][A-Za-z]+$/)
      expect(operation.summary?.length ?? 0, route).toBeGreaterThan(5)
    }
    expect(operations.map(([, operation]) => operation.operationId).sort()).toEqual([...OPERATION_IDS].sort())
  })

  it('describes every response; error responses carry the Error schema and examples', () => {
    for (const [route, operation] of operations) {
      for (const [status, response] of Object.entries(operation.responses)) {
        expect(response.description, `${route} ${status}`).not.toMatch(/^(Default Response)?$/)
        // Readiness answers 503 with its own report, not an error.
        if (Number(status) < 400 || `${route} ${status}` === 'GET /readyz 503') continue
        const media = response.content?.['application/json']
        expect(media?.schema?.$ref, `${route} ${status}`).toBe('#/components/schemas/Error')
        expect(Object.keys(media?.examples ?? {}).length, `${route} ${status}`).toBeGreaterThan(0)
      }
    }
    expect(Object.keys(doc.paths['/channels/{id}/messages']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '201', '400', '401', '403', '404', '409', '429']),
    )
  })

  it('lists the resources once in components/schemas and refers to them by name', () => {
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(NAMED))
    expect(doc.paths['/channels/{id}']?.get?.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Channel',
    })
    // No operation spells out a named schema again.
    const shapes = NAMED.map((name) => Object.keys(doc.components.schemas[name]?.properties ?? {}).sort().join())
    for (const [value, path] of walk(doc.paths)) {
      const properties = (value as { properties?: object } | null)?.properties
      if (path.at(-1) !== 'schema' || typeof properties !== 'object') continue
      expect(shapes, path.join('/')).not.toContain(Object.keys(properties).sort().join())
    }
  })

  it('has written examples, and every one validates against its schema', () => {
    const validate = documentValidator(doc, '2020-12')
    const checks: Array<{ at: string; valid: boolean; errors: string; example: unknown }> = []
    for (const [value, path] of walk(doc)) {
      if (typeof value !== 'object' || value === null) continue
      const node = value as { examples?: unknown; example?: unknown; schema?: unknown }
      const inSchema = path.includes('schemas') || path.includes('schema') || path.includes('properties')
      if (Array.isArray(node.examples) && inSchema) {
        for (const example of node.examples) checks.push({ at: pointerOf(path), example, ...validate(pointerOf(path), example) })
      }
      // Media and parameter objects: examples of the schema next to them.
      if (node.schema !== undefined) {
        const named = node.examples && !Array.isArray(node.examples) ? Object.values(node.examples as Record<string, { value: unknown }>) : []
        const examples = [...named.map((entry) => entry.value), ...(node.example === undefined ? [] : [node.example])]
        const at = pointerOf([...path, 'schema'])
        for (const example of examples) checks.push({ at, example, ...validate(at, example) })
      }
    }
    expect(checks.filter((check) => !check.valid)).toEqual([])
    expect(checks.length).toBeGreaterThan(60)
    // Ids, content and timestamps read like the real thing.
    expect(JSON.stringify(doc.components.schemas.Message)).toContain('"msg_01JD')
    expect(JSON.stringify(doc.components.schemas.Channel)).toMatch(/"created_at":"2024-11-25T09:30:00.000Z"/)
    // And the validator does refuse a wrong one.
    expect(validate('/components/schemas/Channel', { ...CHANNEL_EXAMPLE, channel_id: 'not an id' }).valid).toBe(false)
  })

  it('points Swagger UI to the /ws protocol documents', async () => {
    const served = (await app.inject({ url: '/docs/json' })).json<OpenApi>()
    expect(served.info.description).toContain('](/asyncapi.json)')
    expect(served.info.description).toContain('docs/protocol.md')
    expect(served.externalDocs?.url).toBe('/asyncapi.json')
  })
})

describe('/asyncapi.json with HUB_ADMIN_TOKEN set', () => {
  it('is served without credentials, like /docs, while the API wants them', async () => {
    const { app, close } = await buildTestApp({ env: { HUB_ADMIN_TOKEN: 'operator-secret-token-0123456789' } })
    try {
      expect((await app.inject({ url: '/channels' })).statusCode).toBe(401)
      const response = await app.inject({ url: '/asyncapi.json' })
      expect(response.statusCode).toBe(200)
      expect(response.json<{ asyncapi: string }>().asyncapi).toBe('3.0.0')
    } finally {
      await close()
    }
  })
})

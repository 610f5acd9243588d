// The user-facing documents match the code: openapi/openapi.json, asyncapi/asyncapi.json,
// docs/protocol.md (every nested shape in full), and the Swagger UI at /docs lists every REST route.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ASYNCAPI_FILE, generateAsyncApi } from '../scripts/asyncapi.js'
import { generateOpenApi, OPENAPI_PATH } from '../scripts/openapi.js'
import { PROTOCOL_DOC_PATH, renderProtocolDoc } from '../scripts/protocol-doc.js'
import { buildTestApp } from './helpers/hub.js'
import type { App } from '../src/app.js'

const ROUTES = [
  'GET /channels',
  'POST /channels',
  'GET /channels/{id}',
  'GET /channels/{id}/messages',
  'POST /channels/{id}/messages',
  'POST /channels/{id}/end',
  'GET /services',
  'POST /services',
  'GET /agents',
  'POST /agents',
  'GET /agents/{id}',
  'POST /agents/{id}/key',
  'DELETE /agents/{id}/key',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /asyncapi.json',
]

describe('checked-in documents', () => {
  it('openapi/openapi.json is what the code generates', async () => {
    expect(readFileSync(OPENAPI_PATH, 'utf8')).toBe(await generateOpenApi())
  })

  it('asyncapi/asyncapi.json is what the code generates', async () => {
    expect(readFileSync(ASYNCAPI_FILE, 'utf8')).toBe(await generateAsyncApi())
  })

  it('docs/protocol.md is what the frame schemas generate', () => {
    expect(readFileSync(PROTOCOL_DOC_PATH, 'utf8')).toBe(renderProtocolDoc())
  })

  it('docs/protocol.md documents every frame type', () => {
    const doc = renderProtocolDoc()
    for (const type of ['welcome', 'register_service', 'chat_request', 'chat_accept', 'chat_reject', 'chat_message', 'ack', 'chat_end', 'chat_history', 'ping', 'pong', 'error']) {
      expect(doc).toContain(`### \`${type}\``)
    }
  })

  it('docs/protocol.md spells out the fields of every nested object', () => {
    const rows = renderProtocolDoc()
      .split('\n')
      .map((line) => /^\| `([^`]+)` \| (.+?) \| (yes|no) \| (.*) \|$/.exec(line))
      .filter((match) => match !== null)
    expect(rows.map((row) => row[1])).toEqual(
      expect.arrayContaining(['channels[].channel_id', 'channels[].last_seq', 'messages[].message_id', 'messages[].seq']),
    )
    rows.forEach((row, i) => {
      const [, field, type] = row
      // A field holding objects (named or not) is followed by rows for their fields.
      if (/^(object|[A-Z]\w*)(\[\])*$/.test(type ?? '') && field !== undefined && !field.endsWith('metadata')) {
        expect(rows[i + 1]?.[1], field).toMatch(new RegExp(`^${field.replace(/[[\].]/g, '\\$&')}(\\[\\])*\\.`))
      }
    })
  })
})

describe('/docs', () => {
  let app: App
  let close: () => Promise<void>
  beforeAll(async () => ({ app, close } = await buildTestApp()))
  afterAll(() => close())

  it('serves the Swagger UI', async () => {
    const response = await app.inject({ url: '/docs/' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toContain('text/html')
    expect(response.body).toContain('swagger-ui')
  })

  it('serves a document listing every REST route', async () => {
    const response = await app.inject({ url: '/docs/json' })
    const spec = response.json<{ paths: Record<string, Record<string, unknown>> }>()
    const listed = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    )
    expect(listed).toEqual(expect.arrayContaining(ROUTES))
  })
})

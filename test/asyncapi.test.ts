// The AsyncAPI 3.0 document of /ws: valid for @asyncapi/parser, served by the hub as checked in,
// one message per frame with examples that validate (against the document and against the
// schemas the hub validates with), request/reply pairs by request_id, and the upgrade's query,
// headers, refusals and close codes.
import { readFileSync } from 'node:fs'
import { Parser } from '@asyncapi/parser'
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ASYNCAPI_FILE } from '../scripts/asyncapi.js'
import { CLOSE_CODE_MEANINGS, CloseCode } from '../src/protocol/close-codes.js'
import { CLIENT_FRAME_EXAMPLES, HUB_FRAME_EXAMPLES } from '../src/protocol/frame-examples.js'
import { ClientFrames, HubFrames } from '../src/protocol/frames.js'
import { buildTestApp } from './helpers/hub.js'
import { documentValidator } from './helpers/json-schema.js'
import type { App } from '../src/app.js'

interface Message {
  name: string
  payload: object
  examples: Array<{ name: string; payload: unknown }>
  correlationId: { $ref: string }
}
interface AsyncApi {
  asyncapi: string
  channels: Record<string, { address: string; description: string; bindings: { ws: Record<string, { properties: object }> } } & Record<string, unknown>>
  operations: Record<string, { action: string; messages: Array<{ $ref: string }>; reply?: { messages: Array<{ $ref: string }> } }>
  components: { messages: Record<string, Message>; correlationIds: Record<string, { location: string }> }
}

const file = () => JSON.parse(readFileSync(ASYNCAPI_FILE, 'utf8')) as AsyncApi

describe('AsyncAPI document', () => {
  let app: App
  let close: () => Promise<void>
  beforeAll(async () => ({ app, close } = await buildTestApp()))
  afterAll(() => close())

  it('is valid for @asyncapi/parser', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(ASYNCAPI_FILE, 'utf8'))
    // The one remark allowed: 3.1.0 exists; this document is written to 3.0.0.
    const remarks = diagnostics.filter((d) => d.code !== 'asyncapi-latest-version')
    console.log(
      `@asyncapi/parser: AsyncAPI ${document?.version()}, ${document?.channels().length} channel, ` +
        `${document?.operations().length} operations, ${document?.messages().length} messages; ` +
        `diagnostics: ${JSON.stringify(diagnostics.map((d) => `${d.code}: ${d.message}`))}`,
    )
    expect(remarks.map((d) => `${d.code} at ${d.path.join('.')}: ${d.message}`)).toEqual([])
    expect(document?.version()).toBe('3.0.0')
    expect(document?.operations().length).toBe(ClientFrames.length + 6)
    expect(document?.messages().length).toBe(ClientFrames.length + HubFrames.length)
  })

  it('is served at GET /asyncapi.json as checked in', async () => {
    const response = await app.inject({ url: '/asyncapi.json' })
    expect(response.statusCode).toBe(200)
    expect(response.headers['content-type']).toContain('application/json')
    expect(response.json()).toEqual(file())
  })

  it('has a message per frame, with examples that validate against it and against the hub', () => {
    const doc = file()
    const validate = documentValidator(doc, 'draft-07')
    // The hub's timestamps are ISO 8601 strings.
    if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)))
    const frames = [
      ...ClientFrames.map((schema) => ({ key: `client.${schema.properties.type.const}`, schema })),
      ...HubFrames.map((schema) => ({ key: `hub.${schema.properties.type.const}`, schema })),
    ]
    let checked = 0
    for (const { key, schema } of frames) {
      const message = doc.components.messages[key]
      expect(message?.name, key).toBe(schema.properties.type.const)
      expect(message?.examples.length, key).toBeGreaterThan(0)
      for (const { payload } of message?.examples ?? []) {
        expect(validate(`/components/messages/${key}/payload`, payload), key).toMatchObject({ valid: true })
        expect(Value.Check(schema, payload), key).toBe(true)
        checked++
      }
    }
    expect(checked).toBe(Object.values(CLIENT_FRAME_EXAMPLES).flat().length + Object.values(HUB_FRAME_EXAMPLES).flat().length)
    // The validator does refuse a wrong frame.
    expect(validate('/components/messages/client.chat_message/payload', { type: 'chat_message', content: '' }).valid).toBe(false)
  })

  it('pairs every client frame with the frames answering it, by request_id', () => {
    const doc = file()
    expect(doc.components.correlationIds.requestId?.location).toBe('$message.payload#/request_id')
    for (const message of Object.values(doc.components.messages)) {
      expect(message.correlationId.$ref).toBe('#/components/correlationIds/requestId')
    }
    const replies = (type: string) => doc.operations[`receive_${type}`]?.reply?.messages.map((m) => m.$ref.split('/').at(-1))
    for (const frame of ClientFrames) {
      const type = frame.properties.type.const
      expect(doc.operations[`receive_${type}`]?.action, type).toBe('receive')
      expect(replies(type), type).toContain('hub.error')
    }
    expect(replies('chat_message')).toEqual(['hub.ack', 'hub.error'])
    expect(replies('chat_request')).toEqual(['hub.chat_accept', 'hub.chat_reject', 'hub.error'])
    // Every hub frame is an answer, or sent on the hub's own initiative, or both.
    const sent = Object.values(doc.operations).flatMap((op) => [...(op.action === 'send' ? op.messages : []), ...(op.reply?.messages ?? [])])
    const sentKeys = new Set(sent.map((ref) => ref.$ref.split('/').at(-1)))
    for (const frame of HubFrames) expect(sentKeys, frame.properties.type.const).toContain(`hub.${frame.properties.type.const}`)
  })

  it('describes the upgrade: query parameters, headers, refusals and close codes', () => {
    const channel = file().channels.ws
    expect(channel?.address).toBe('/ws')
    expect(Object.keys(channel?.bindings.ws.query?.properties ?? {})).toEqual(['agent_id', 'api_key', 'resume'])
    expect(Object.keys(channel?.bindings.ws.headers?.properties ?? {})).toEqual(expect.arrayContaining(['authorization', 'origin']))
    for (const status of ['400', '401', '403', '429', '503']) expect(channel?.description).toContain(`| ${status} |`)
    expect(channel?.['x-close-codes']).toEqual(
      Object.entries(CloseCode).map(([name, code]) => ({ code, name, description: CLOSE_CODE_MEANINGS[code] })),
    )
    for (const [name, code] of Object.entries(CloseCode)) {
      expect(channel?.description).toContain(`| ${code} | ${name} | ${CLOSE_CODE_MEANINGS[code]} |`)
    }
  })
})

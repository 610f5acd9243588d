// The AsyncAPI 3.0 document of the /ws protocol, built from the frame schemas the hub validates
// with, their examples, the close codes and the upgrade route's own schemas. It describes the
// hub: `receive` operations are the frames clients send it, `send` operations the frames it sends
// on its own; each request's answers are its operation's reply, matched by request_id.
import type { TObject, TSchema } from '@sinclair/typebox'
import { namedSchemas, referToNamed } from '../lib/named-schemas.js'
import { CLOSE_CODE_MEANINGS, CloseCode } from './close-codes.js'
import { CLIENT_FRAME_EXAMPLES, HUB_FRAME_EXAMPLES } from './frame-examples.js'
import { ClientFrames, HubFrames } from './frames.js'
import { EVENTS, REPLIES } from './replies.js'
import { INFO, errorCodes, upgradeText, type WsEndpoint } from './asyncapi-text.js'

export type { WsEndpoint } from './asyncapi-text.js'

export interface AsyncApiOptions {
  endpoints: WsEndpoint[]
  version: string
  protocolVersion: number
}

const CHANNEL = 'ws'
const channelRef = { $ref: `#/channels/${CHANNEL}` }
const schemaRef = (id: string) => `#/components/schemas/${id}`
const clientKey = (type: string) => `client.${type}`
const hubKey = (type: string) => `hub.${type}`
const messageRef = (key: string) => ({ $ref: `#/channels/${CHANNEL}/messages/${key}` })
const summaryOf = (text: string) => /^.*?\.(?=\s|$)/.exec(text)?.[0] ?? text

function message(frame: TObject, from: 'client' | 'hub', examples: readonly object[], extra = '') {
  const type = String(frame.title)
  const description = String(frame.description ?? '')
  const payload = referToNamed(frame, schemaRef) as Record<string, unknown>
  return {
    name: type,
    title: `${type} (${from === 'client' ? 'client → hub' : 'hub → client'})`,
    summary: summaryOf(description),
    description: description + extra,
    contentType: 'application/json',
    correlationId: { $ref: '#/components/correlationIds/requestId' },
    payload,
    examples: examples.map((example, i) => ({ name: `${type}${examples.length > 1 ? `-${i + 1}` : ''}`, payload: example })),
  }
}

function operations() {
  const ops: Record<string, unknown> = {}
  for (const frame of ClientFrames) {
    const type = frame.properties.type.const
    const answers = REPLIES[type]
    const replyText = answers.length
      ? ` The hub answers with ${answers.map((a) => `\`${a}\``).join(' or ')}, or \`error\`, carrying this frame's request_id.`
      : ' No answer, unless the frame is refused (`error`).'
    ops[`receive_${type}`] = {
      action: 'receive',
      channel: channelRef,
      title: `Client sends ${type}`,
      summary: summaryOf(String(frame.description)),
      description: String(frame.description) + replyText,
      messages: [messageRef(clientKey(type))],
      reply: { channel: channelRef, messages: [...answers, 'error'].map((a) => messageRef(hubKey(a))) },
    }
  }
  for (const type of EVENTS) {
    const frame = HubFrames.find((f) => f.properties.type.const === type) as TObject
    ops[`send_${type}`] = {
      action: 'send',
      channel: channelRef,
      title: `Hub sends ${type}`,
      summary: summaryOf(String(frame.description)),
      description: String(frame.description),
      messages: [messageRef(hubKey(type))],
    }
  }
  return ops
}

export function buildAsyncApi(options: AsyncApiOptions): Record<string, unknown> {
  const [main] = options.endpoints
  if (!main) throw new Error('No WebSocket route to describe')
  const sources: unknown[] = [...ClientFrames, ...HubFrames, main.querystring, main.headers]
  const named = [...namedSchemas(sources)].map(([id, schema]): [string, unknown] => [id, referToNamed(schema, schemaRef)])
  const messages: Record<string, unknown> = {}
  for (const frame of ClientFrames) {
    const type = frame.properties.type.const
    messages[clientKey(type)] = message(frame, 'client', CLIENT_FRAME_EXAMPLES[type])
  }
  for (const frame of HubFrames) {
    const type = frame.properties.type.const
    messages[hubKey(type)] = message(frame, 'hub', HUB_FRAME_EXAMPLES[type], type === 'error' ? errorCodes() : '')
  }
  const bindingSchema = (schema: unknown) => referToNamed(schema, schemaRef) as TSchema
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'claw-chat-hub /ws',
      version: options.version,
      description: INFO(options.protocolVersion),
      license: { name: 'MIT' },
    },
    defaultContentType: 'application/json',
    servers: {
      hub: {
        host: '{host}',
        protocol: 'ws',
        description: 'Any hub instance: instances sharing a database and Redis act as one hub. Use wss behind TLS.',
        variables: { host: { default: 'localhost:8765', description: 'host:port the hub listens on (PORT, 8765 by default).' } },
        security: [{ $ref: '#/components/securitySchemes/bearer' }, { $ref: '#/components/securitySchemes/apiKeyQuery' }],
      },
    },
    channels: {
      [CHANNEL]: {
        address: main.url,
        title: 'Agent connection',
        summary: "An agent's WebSocket connection to the hub.",
        description: upgradeText(options.endpoints),
        messages: Object.fromEntries(Object.keys(messages).map((key) => [key, { $ref: `#/components/messages/${key}` }])),
        bindings: {
          ws: {
            method: 'GET',
            ...(main.querystring ? { query: bindingSchema(main.querystring) } : {}),
            ...(main.headers ? { headers: bindingSchema(main.headers) } : {}),
            bindingVersion: '0.1.0',
          },
        },
        'x-close-codes': Object.entries(CloseCode).map(([name, code]) => ({ code, name, description: CLOSE_CODE_MEANINGS[code] })),
      },
    },
    operations: operations(),
    components: {
      schemas: Object.fromEntries(named),
      messages,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: "The agent's API key, as `Authorization: Bearer <key>`." },
        apiKeyQuery: {
          type: 'httpApiKey',
          name: 'api_key',
          in: 'query',
          description: 'The API key as the `api_key` query parameter, for clients that cannot set headers.',
        },
      },
      correlationIds: {
        requestId: {
          description: "Chosen by the client on any frame; every frame answering it carries the same value.",
          location: '$message.payload#/request_id',
        },
      },
    },
  }
}

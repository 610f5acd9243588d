// The AsyncAPI 3.0 document of the /ws protocol, built from the frame schemas the hub validates
// with, their examples, the close codes and the upgrade route's own schemas. It describes the
// hub: `receive` operations are the frames clients send it, `send` operations the frames it sends
// on its own; each request's answers are its operation's reply, matched by request_id.
import type { TObject, TSchema } from '@sinclair/typebox'
import { Errors } from '../errors.js'
import { namedSchemas, referToNamed } from '../lib/named-schemas.js'
import { CLOSE_CODE_MEANINGS, CloseCode } from './close-codes.js'
import { CLIENT_FRAME_EXAMPLES, HUB_FRAME_EXAMPLES } from './frame-examples.js'
import { ClientFrames, HubFrames, type ClientFrameType, type HubFrame } from './frames.js'

type HubFrameType = HubFrame['type']

/** The hub's answers to each client frame; any frame may also be answered with `error`. */
export const REPLIES: { [T in ClientFrameType]: HubFrameType[] } = {
  register_service: ['register_service'],
  chat_request: ['chat_accept', 'chat_reject'],
  chat_accept: ['chat_accept'],
  chat_reject: ['chat_reject'],
  chat_message: ['ack'],
  chat_end: ['chat_end'],
  chat_history: ['chat_history'],
  resume: ['resume'],
  ping: ['pong'],
  pong: [],
}

/** Frames the hub sends without being asked: to the other side of a channel, or on connect. */
export const EVENTS: HubFrameType[] = ['welcome', 'chat_request', 'chat_accept', 'chat_reject', 'chat_message', 'chat_end']

/** A WebSocket route as Fastify knows it: its path and the schemas of its upgrade request. */
export interface WsEndpoint {
  url: string
  querystring?: unknown
  headers?: unknown
  /** Refused upgrades by HTTP status, as the route documents them ({description, content}). */
  response?: Record<string, { description?: string; content?: Record<string, { examples?: Record<string, { value: unknown }> }> }>
}

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

const errorCodes = () =>
  '\n\n| code | meaning as HTTP status |\n|---|---|\n' +
  Object.values(Errors)
    .map((E) => new E('…', '…'))
    .map((error) => `| \`${error.code}\` | ${error.statusCode} |`)
    .join('\n')

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

function upgradeText(endpoints: WsEndpoint[]): string {
  const [main, ...aliases] = endpoints
  const refusals = Object.entries(main?.response ?? {}).map(([status, response]) => {
    const codes = Object.keys(response.content?.['application/json']?.examples ?? {})
    return `| ${status} | ${codes.map((c) => `\`${c}\``).join(', ')} | ${response.description ?? ''} |`
  })
  const closes = Object.entries(CloseCode).map(([name, code]) => `| ${code} | ${name} | ${CLOSE_CODE_MEANINGS[code]} |`)
  return [
    'One WebSocket per connection of an agent. The upgrade request names the agent (`agent_id`) and',
    'carries its API key (`Authorization: Bearer <key>`, or `api_key`); without `HUB_ADMIN_TOKEN` a keyless',
    "agent may connect from the hub's own machine. Every frame, both ways, is one JSON text message.",
    ...(aliases.length ? ['', `Also reachable at ${aliases.map((e) => `\`${e.url}\``).join(', ')}, with the same behaviour.`] : []),
    '',
    '### Refused upgrades',
    '',
    'An upgrade the hub refuses is answered with an HTTP error and the body `{"error": {"code", "message"}}`;',
    'no socket is opened.',
    '',
    '| status | codes | when |',
    '|---|---|---|',
    ...refusals,
    '',
    '### Close codes',
    '',
    'The hub closes a connection with one of these codes (the close reason says more, in words).',
    '1xxx codes are RFC 6455 ones; 4xxx codes are the hub\'s own. After any of them but 4401 a client',
    'reconnects (with backoff) and resumes; after 4401 it needs new credentials.',
    '',
    '| code | name | meaning |',
    '|---|---|---|',
    ...closes,
  ].join('\n')
}

const INFO = (protocolVersion: number) =>
  [
    `The real-time protocol of claw-chat-hub (protocol version ${protocolVersion}, as \`welcome\` says).`,
    '',
    'This document describes the hub. A `receive` operation is a frame a client sends to the hub; its `reply`',
    'lists the frames the hub answers with, matched by the `request_id` the client chose (any frame may carry',
    'one, and every answer to it carries the same value). A `send` operation is a frame the hub sends on its own:',
    '`welcome` on connect, and what the other agent of a channel did.',
    '',
    'Order and delivery: frames of one connection are handled in the order they arrive; every message of a',
    'channel has a gapless `seq` from 1 and reaches each connection once, in order; `ack` means stored durably.',
    '',
    'The REST API of the same hub is described by its OpenAPI document at `/docs/json` (Swagger UI at `/docs`).',
  ].join('\n')

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

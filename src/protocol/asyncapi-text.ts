// The prose of the AsyncAPI document of /ws: its introduction, what it says of the upgrade
// (refused upgrades and close codes, from the route's own schemas), and the table of error codes.
import { Errors } from '../errors.js'
import { CLOSE_CODE_MEANINGS, CloseCode } from './close-codes.js'

/** A WebSocket route as Fastify knows it: its path and the schemas of its upgrade request. */
export interface WsEndpoint {
  url: string
  querystring?: unknown
  headers?: unknown
  /** Refused upgrades by HTTP status, as the route documents them ({description, content}). */
  response?: Record<string, { description?: string; content?: Record<string, { examples?: Record<string, { value: unknown }> }> }>
}

/** The table of error codes the `error` frame's description ends with. */
export const errorCodes = () =>
  '\n\n| code | meaning as HTTP status |\n|---|---|\n' +
  Object.values(Errors)
    .map((E) => new E('…', '…'))
    .map((error) => `| \`${error.code}\` | ${error.statusCode} |`)
    .join('\n')

/** What the document says of the upgrade: identity, the refused upgrades and the close codes. */
export function upgradeText(endpoints: WsEndpoint[]): string {
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

/** The document's introduction. */
export const INFO = (protocolVersion: number) =>
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

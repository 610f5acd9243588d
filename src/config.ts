// The hub's configuration: every environment variable it reads, validated once into one typed
// object. Nothing else in the code reads process.env.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { BatchSettings } from './config-batches.js'
import { BudgetSettings } from './config-budgets.js'

const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8765, description: 'TCP port to listen on.' }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'Address to listen on.' }),
  DATABASE_URL: Type.String({
    pattern: '^(file:.+|postgres(ql)?://.+)$',
    default: 'file:./data/hub.db',
    description: 'file:<path> for embedded SQLite, postgresql://… for PostgreSQL.',
  }),
  DATABASE_CONNECT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 5000,
    description: 'PostgreSQL: how long opening a connection, or waiting for a free one, may take before the request is refused (UNAVAILABLE).',
  }),
  DATABASE_STATEMENT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'PostgreSQL: longest a statement may run (statement_timeout), and, a second more, wait for an answer from a server gone quiet.',
  }),
  DATABASE_IDLE_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description: 'PostgreSQL: an unused pooled connection is closed after this.',
  }),
  REDIS_URL: Type.Optional(
    Type.String({
      pattern: '^rediss?://.+$',
      description:
        'redis://… (or rediss://): several hub instances on one database share their agents through this Redis. Unset: one instance.',
    }),
  ),
  REDIS_PREFIX: Type.String({
    pattern: '^[A-Za-z0-9._:-]{1,64}$',
    default: 'claw:',
    description: 'Prefix of the Redis keys and channels of this cluster, so that several clusters can share one Redis.',
  }),
  PRESENCE_TTL_MS: Type.Integer({
    minimum: 300,
    default: 15_000,
    description:
      "With REDIS_URL: how long a silent instance's agents still show as online and its connections count against the connection limits (instances beat every third of it).",
  }),
  HUB_AUTH: Type.Union([Type.Literal('auto'), Type.Literal('off')], {
    default: 'auto',
    description:
      'auto: agents authenticate with API keys (keyless agents only from this machine, unless HUB_ADMIN_TOKEN is set); off: no authentication at all (logged loudly).',
  }),
  HUB_ADMIN_TOKEN: Type.Optional(
    Type.String({ minLength: 16, description: "The operator's bearer token; once set, every request and connection must authenticate." }),
  ),
  HUB_JWT_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      description: 'Accept HS256 JWTs signed with this secret (32+ characters) from your own backend; `sub` is the agent id.',
    }),
  ),
  HUB_JWKS_URL: Type.Optional(
    Type.String({
      pattern: '^https?://.+$',
      description: 'Accept RS256 and ES256 JWTs signed with a key from this JWKS URL (fetched when needed and cached).',
    }),
  ),
  HUB_JWT_ISSUER: Type.Optional(Type.String({ minLength: 1, description: 'With a JWT setting: the `iss` every token must carry.' })),
  HUB_JWT_AUDIENCE: Type.Optional(
    Type.String({ minLength: 1, description: 'With a JWT setting: the `aud` every token must carry (one of, if it is a list).' }),
  ),
  TRUST_PROXY: Type.Boolean({
    default: false,
    description: 'Behind a reverse proxy: take the client address from X-Forwarded-For (for loopback trust and rate limits).',
  }),
  CORS_ORIGINS: Type.String({
    default: '',
    description: 'Comma-separated browser origins allowed to call the REST API (CORS); empty: none.',
  }),
  WS_ALLOWED_ORIGINS: Type.String({
    default: '',
    description: 'Comma-separated origins allowed to open /ws from a browser; upgrades carrying another Origin are refused (403).',
  }),
  MAX_FRAMES_PER_SECOND: Type.Integer({
    minimum: 1,
    default: 10_000,
    description:
      'Pace of one connection (bursts of twice that), a guard against one connection taking the hub: past it the hub reads that socket more slowly; nothing is refused.',
  }),
  MAX_FRAMES_IN_FLIGHT: Type.Integer({
    minimum: 1,
    default: 256,
    description:
      'Frames of one connection received and not yet answered (a message until its ack) past which the hub stops reading that socket until half are answered (backpressure).',
  }),
  MAX_BYTES_IN_FLIGHT: Type.Integer({
    minimum: 1024,
    default: 8 * 1024 * 1024,
    description: 'Bytes of those frames past which the hub stops reading that socket, likewise.',
  }),
  MAX_CONNECTIONS_PER_AGENT: Type.Integer({
    minimum: 1,
    default: 16,
    description: 'Open /ws connections one agent may hold; more are refused (429). With REDIS_URL, on every instance together.',
  }),
  MAX_PENDING_REQUESTS: Type.Integer({
    minimum: 1,
    default: 20,
    description: 'Unanswered chat requests one consumer may have open.',
  }),
  RATE_LIMIT_PER_MINUTE: Type.Integer({ minimum: 1, default: 1200, description: 'REST requests per minute per client address.' }),
  LOG_LEVEL: Type.Union(
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
    { default: 'info', description: 'Log level.' },
  ),
  MAX_FRAME_BYTES: Type.Integer({
    minimum: 1024,
    maximum: 16 * 1024 * 1024,
    default: 1024 * 1024,
    description: 'Largest /ws frame and REST body accepted; larger frames get an error frame, frames over 4× close the socket (1009).',
  }),
  HEARTBEAT_INTERVAL_MS: Type.Integer({
    minimum: 50,
    default: 30_000,
    description: 'How often the hub pings each connection; one that has not answered the previous ping is dropped (4408).',
  }),
  MAX_BUFFERED_BYTES: Type.Integer({
    minimum: 64 * 1024,
    default: 16 * 1024 * 1024,
    description: 'High-water mark of frames waiting to be written to one connection; past it the connection is closed (4429).',
  }),
  MESSAGE_RETENTION: Type.String({
    pattern: '^(forever|[1-9][0-9]{0,8}(s|m|h|d))$',
    default: 'forever',
    description:
      'How long messages are kept, e.g. `30d`, `12h` (s, m, h, d): older ones are removed in the background, in small batches. `forever`: kept forever.',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'How long a graceful shutdown may take before the process exits anyway.',
  }),
  ...BudgetSettings,
  ...BatchSettings,
})

export type Config = Static<typeof ConfigSchema>

/** A comma-separated list variable as a list (empty items dropped). */
export const listOf = (value: string): string[] =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)

const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const

/** MESSAGE_RETENTION in milliseconds; null: messages are kept forever. */
export function retentionMs(config: Pick<Config, 'MESSAGE_RETENTION'>): number | null {
  const match = /^(\d+)([smhd])$/.exec(config.MESSAGE_RETENTION)
  return match ? Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS] : null
}

/** Variables whose value is never shown in an error. */
const SECRETS = new Set(['HUB_ADMIN_TOKEN', 'HUB_JWT_SECRET'])

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Reads and validates the configuration; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Record<string, unknown> = {}
  for (const key of Object.keys(ConfigSchema.properties)) {
    const value = env[key]
    if (value !== undefined && value !== '') raw[key] = value
  }
  const converted = Value.Convert(ConfigSchema, Value.Default(ConfigSchema, raw))
  const error = Value.Errors(ConfigSchema, converted).First()
  if (error) {
    const name = error.path.replace(/^\//, '')
    const shown = SECRETS.has(name) ? '(hidden)' : JSON.stringify(raw[name])
    throw new ConfigError(`invalid ${name}=${shown}: ${error.message}`)
  }
  const config = converted as Config
  const jwt = config.HUB_JWT_SECRET !== undefined || config.HUB_JWKS_URL !== undefined
  for (const name of ['HUB_JWT_ISSUER', 'HUB_JWT_AUDIENCE'] as const) {
    if (config[name] !== undefined && !jwt) throw new ConfigError(`${name} is set, but no JWT is accepted: set HUB_JWT_SECRET or HUB_JWKS_URL too`)
  }
  if (config.HUB_JWKS_URL !== undefined && !URL.canParse(config.HUB_JWKS_URL)) {
    throw new ConfigError(`invalid HUB_JWKS_URL=${JSON.stringify(config.HUB_JWKS_URL)}: not a URL`)
  }
  return config
}

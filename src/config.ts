// The hub's configuration: every environment variable it reads, validated once into one typed
// object. Nothing else in the code reads process.env.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'

const ConfigSchema = Type.Object({
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 8765, description: 'TCP port to listen on.' }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'Address to listen on.' }),
  DATABASE_URL: Type.String({
    pattern: '^(file:.+|postgres(ql)?://.+)$',
    default: 'file:./data/hub.db',
    description: 'file:<path> for embedded SQLite, postgresql://… for PostgreSQL.',
  }),
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
  BATCH_MAX_MESSAGES: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 500,
    description: 'Most messages committed in one group-commit transaction.',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'How long a graceful shutdown may take before the process exits anyway.',
  }),
})

export type Config = Static<typeof ConfigSchema>
export const CONFIG_SCHEMA = ConfigSchema

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
    throw new ConfigError(`invalid ${name}=${JSON.stringify(raw[name])}: ${error.message}`)
  }
  return converted as Config
}

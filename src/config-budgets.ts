// The resource budgets among the hub's settings (read and validated with the rest in config.ts):
// what one client, or one address, may hold of the hub's time and memory. Each default is far
// beyond what a well-behaved agent needs; past it the hub refuses, closes or expires, and counts.
import { Type } from '@sinclair/typebox'

export const BudgetSettings = {
  REQUEST_TIMEOUT_MS: Type.Integer({
    minimum: 1000,
    default: 30_000,
    description: 'How long a REST request (headers and body) may take to arrive; slower ones are closed (408).',
  }),
  FRAGMENT_TIMEOUT_MS: Type.Integer({
    minimum: 100,
    default: 10_000,
    description: 'How long a /ws message sent in fragments may stay unfinished; past it the connection is closed (1008).',
  }),
  MAX_TOTAL_BUFFERED_BYTES: Type.Integer({
    minimum: 1024 * 1024,
    default: 512 * 1024 * 1024,
    description:
      'Hub-wide budget of bytes held for /ws connections (frames waiting to be written, unfinished fragmented messages); past it the connections holding most are closed.',
  }),
  MAX_CONNECTIONS_PER_ADDRESS: Type.Integer({
    minimum: 1,
    default: 4096,
    description:
      'Open /ws connections from one client address (of every agent together); more are refused (429). With REDIS_URL, on every instance together.',
  }),
  MAX_QUEUED_FRAMES: Type.Integer({
    minimum: 1,
    // Above what one read can bring past the read window (MAX_FRAMES_IN_FLIGHT): a fast sender is paused, not refused.
    default: 4096,
    description: 'Frames of one connection waiting for the database; more get RATE_LIMITED. Dropped when the connection closes.',
  }),
  MAX_TOTAL_QUEUED_FRAMES: Type.Integer({
    minimum: 1,
    default: 262_144,
    description: 'Frames of all connections together waiting for the database; more get RATE_LIMITED.',
  }),
  PENDING_REQUEST_TTL_MS: Type.Integer({
    minimum: 1000,
    default: 24 * 60 * 60 * 1000,
    description: 'How long a chat request may wait for its provider; then it is rejected (reason "expired") and the consumer told.',
  }),
}

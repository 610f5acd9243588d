// Group commit among the hub's settings (read and validated with the rest in config.ts): how
// many messages share a transaction, and how long a message may wait for others to share it.
import { Type } from '@sinclair/typebox'

export const BatchSettings = {
  BATCH_MAX_MESSAGES: Type.Integer({
    minimum: 1,
    maximum: 10_000,
    default: 500,
    description: 'Most messages committed in one group-commit transaction.',
  }),
  BATCH_WAIT_MS: Type.Integer({
    minimum: 0,
    maximum: 100,
    default: 0,
    description:
      'On SQLite, while messages arrive faster than one per this many ms, the longest a message waits for others to share its commit (and fsync), ended early once 16 are in; 0 (the default): a batch starts as soon as the frames already read are in.',
  }),
}

// A message's metadata: any JSON object, bounded in depth and size so that every stored message
// can be serialised again (JSON.stringify recurses, and a deep enough value overflows the stack
// of whoever delivers or reads it). The bound is a TypeBox kind of its own, so that the same
// check runs wherever the schema does: /ws frames and REST bodies alike.
import { Kind, Type, TypeRegistry, type TUnsafe } from '@sinclair/typebox'
import { DefaultErrorFunction, SetErrorFunction } from '@sinclair/typebox/errors'
import { EXAMPLE } from './examples.js'

export const METADATA_MAX_DEPTH = 32
export const METADATA_MAX_BYTES = 64 * 1024
const KIND = 'BoundedMetadata'

/** The metadata's JSON, written once by the check and reused by the writer. */
const serialised = new WeakMap<object, string>()

/** Why `value` is no acceptable metadata, or undefined when it is. */
export function metadataFault(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'must be a JSON object'
  // Iterative, so that the check itself cannot overflow the stack.
  const stack: Array<[unknown, number]> = [[value, 1]]
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [node, depth] = next
    if (typeof node !== 'object' || node === null) continue
    if (depth > METADATA_MAX_DEPTH) return `must be at most ${METADATA_MAX_DEPTH} levels deep`
    for (const child of Object.values(node)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1])
  }
  const json = JSON.stringify(value)
  if (Buffer.byteLength(json) > METADATA_MAX_BYTES) return `must be at most ${METADATA_MAX_BYTES} bytes as JSON`
  serialised.set(value, json)
  return undefined
}

/** The metadata as stored: its JSON, checked. Throws for metadata that breaks the bounds. */
export function metadataJson(value: Record<string, unknown>): string {
  const cached = serialised.get(value)
  if (cached !== undefined) return cached
  const fault = metadataFault(value)
  if (fault !== undefined) throw new RangeError(`metadata ${fault}`)
  return serialised.get(value) as string
}

TypeRegistry.Set(KIND, (_schema, value) => metadataFault(value) === undefined)
SetErrorFunction((error) => (error.schema[Kind] === KIND ? (metadataFault(error.value) ?? 'invalid metadata') : DefaultErrorFunction(error)))

export const Metadata: TUnsafe<Record<string, unknown>> = Type.Unsafe<Record<string, unknown>>({
  [Kind]: KIND,
  type: 'object',
  patternProperties: { '^.*$': {} },
  description: `Any JSON object the sender attaches to a message: at most ${METADATA_MAX_DEPTH} levels deep and ${METADATA_MAX_BYTES / 1024} KiB as JSON.`,
  'x-max-depth': METADATA_MAX_DEPTH,
  'x-max-bytes': METADATA_MAX_BYTES,
  examples: [EXAMPLE.metadata],
})

// The API documents list each schema that has an `$id` (Channel, Message, …) once, under that
// name, and refer to it wherever a route or frame uses it. These walk a schema (or a route's
// schemas), find the named ones and write references in place of their copies.

type Json = Record<string, unknown>

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null

/** The named schemas inside `value` (itself included), innermost first, each once. */
export function namedSchemas(value: unknown, found = new Map<string, Json>()): Map<string, Json> {
  if (Array.isArray(value)) {
    for (const item of value) namedSchemas(item, found)
  } else if (isObject(value)) {
    // `examples` hold data, not schemas: an example object is never mistaken for a schema.
    for (const [key, child] of Object.entries(value)) if (key !== 'examples') namedSchemas(child, found)
    if (typeof value.$id === 'string' && !found.has(value.$id)) found.set(value.$id, value)
  }
  return found
}

/**
 * A JSON copy of `value` in which every named schema below the top is replaced by
 * `{ $ref: ref(id) }` (the top one keeps its content, without its `$id`).
 */
export function referToNamed(value: unknown, ref: (id: string) => string, top = true): unknown {
  if (Array.isArray(value)) return value.map((item) => referToNamed(item, ref, false))
  if (!isObject(value)) return value
  if (!top && typeof value.$id === 'string') return { $ref: ref(value.$id) }
  const copy: Json = {}
  for (const [key, child] of Object.entries(value)) {
    if (key === '$id') continue
    copy[key] = key === 'examples' ? structuredClone(child) : referToNamed(child, ref, false)
  }
  return copy
}

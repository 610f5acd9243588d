// Turns raw /ws text into a validated client frame, with validators compiled once at start-up.
// Throws the named error that becomes the `error` frame. In an optional top-level field JSON
// `null` means absent (clients such as Python's send `None` for "not given"), so such nulls are
// dropped before validation; a null in a required field is still refused.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { Errors } from '../errors.js'
import { ClientFrames, type ClientFrame, type RequestId } from './frames.js'
import type { Static } from '@sinclair/typebox'

const checkers = new Map<string, TypeCheck<(typeof ClientFrames)[number]>>(
  ClientFrames.map((schema) => [schema.properties.type.const, TypeCompiler.Compile(schema)]),
)
const optionalFields = new Map<string, string[]>(
  ClientFrames.map((schema) => {
    const required = new Set<string>(schema.required ?? [])
    return [schema.properties.type.const, Object.keys(schema.properties).filter((key) => !required.has(key))]
  }),
)

export interface Parsed {
  frame?: ClientFrame
  /** The frame's request_id when it has a usable one, even if the rest of the frame is invalid. */
  requestId?: Static<typeof RequestId>
  error?: Error
}

export function parseFrame(text: string): Parsed {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { error: new Errors.InvalidJson((error as Error).message) }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { error: new Errors.InvalidFrame('', 'a frame is a JSON object with a "type"') }
  }
  const record = value as Record<string, unknown>
  const requestId = usableRequestId(record.request_id)
  const parsed: Parsed = requestId === undefined ? {} : { requestId }
  const type = record.type
  if (typeof type !== 'string') {
    return { ...parsed, error: new Errors.InvalidFrame('', 'a frame is a JSON object with a string "type"') }
  }
  const checker = checkers.get(type)
  if (!checker) return { ...parsed, error: new Errors.UnknownType(JSON.stringify(type.slice(0, 64))) }
  for (const key of optionalFields.get(type) ?? []) if (record[key] === null) delete record[key]
  if (checker.Check(value)) return { ...parsed, frame: value }
  // Only a refused frame pays for finding out why.
  const first = checker.Errors(value).First()
  if (first) {
    const where = first.path === '' ? 'frame' : first.path.slice(1).replace(/\//g, '.')
    return { ...parsed, error: new Errors.InvalidFrame(type, `${where}: ${first.message}`) }
  }
  return { ...parsed, frame: value as ClientFrame }
}

function usableRequestId(value: unknown): Static<typeof RequestId> | undefined {
  if (typeof value === 'string' && value.length <= 128) return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  return undefined
}

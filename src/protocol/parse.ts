// Turns raw /ws text into a validated client frame, with validators compiled once at start-up;
// text too deep or with too many values to parse cheaply is refused from a scan (json-shape.ts).
// Throws the named error that becomes the `error` frame. In an optional top-level field JSON
// `null` means absent (clients such as Python's send `None` for "not given"), so such nulls are
// dropped before validation; a null in a required field is still refused.
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler'
import { Errors } from '../errors.js'
import { ClientFrames, type ClientFrame, type RequestId } from './frames.js'
import { jsonShape } from './json-shape.js'
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
  // Too deep or too many values to be worth parsing: refused from a scan, its request_id kept.
  const shape = jsonShape(text, SCANNED)
  if (shape.fault !== undefined) {
    const requestId = usableRequestId(scalar(shape.fields.get('request_id')))
    const type = scalar(shape.fields.get('type'))
    const error = new Errors.InvalidFrame(typeof type === 'string' ? type.slice(0, 64) : '', `frame ${shape.fault}`)
    return requestId === undefined ? { error } : { requestId, error }
  }
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

const SCANNED = ['type', 'request_id']

/** A top-level field's value from its raw JSON (a string, number or literal), undefined if none or broken. */
function scalar(json: string | undefined): unknown {
  if (json === undefined) return undefined
  try {
    return JSON.parse(json) as unknown
  } catch {
    return undefined
  }
}

function usableRequestId(value: unknown): Static<typeof RequestId> | undefined {
  if (typeof value === 'string' && value.length <= 128) return value
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value
  return undefined
}

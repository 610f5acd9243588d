// JSON written straight into bytes, following a TypeBox object schema, for the hottest response
// (a history page). The route's compiled serializer (fast-json-stringify) builds a string a piece
// at a time, which is then flattened and copied into the bytes sent: for a page of 50 messages
// about 55 KB of short-lived strings, a third of what a read left for the young-generation GC.
// This writes the same bytes (keys in the schema's order, strings escaped as JSON.stringify
// escapes them, optional properties left out when undefined) into one reused scratch buffer and
// copies them out once. It covers strings, integers, booleans, arrays and objects with listed
// properties; a value it does not cover (free-form metadata, a value of another type) makes it
// answer undefined, and the caller serialises that value as before.
import type { TSchema } from '@sinclair/typebox'

/** Characters a JSON string cannot hold as they are (fast-json-stringify's own test). */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\u0000-\u001f\u0022\u005c\ud800-\udfff]/

/** The scratch buffer kept between values (one grown past it for a large value is let go). */
const KEPT_BYTES = 64 * 1024

/** The bytes written so far, in a buffer that grows and is reused from one value to the next. */
class Out {
  buffer = Buffer.allocUnsafe(KEPT_BYTES)
  length = 0

  /** Room for `bytes` more. */
  reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + bytes))
    this.buffer.copy(bigger, 0, 0, this.length)
    this.buffer = bigger
  }

  /** Constant bytes (a key with its quotes and colon, punctuation). */
  bytes(bytes: Uint8Array): void {
    this.reserve(bytes.length)
    this.buffer.set(bytes, this.length)
    this.length += bytes.length
  }

  /** Text as UTF-8 (at most three bytes per UTF-16 unit). */
  text(text: string): void {
    this.reserve(text.length * 3)
    this.length += this.buffer.write(text, this.length, 'utf8')
  }
}

/** Writes one value; false: a value the writer does not cover (nothing usable was written). */
type Write = (value: unknown, out: Out) => boolean

const ascii = (text: string): Uint8Array => Buffer.from(text, 'latin1')
const [OPEN, CLOSE, OPEN_LIST, CLOSE_LIST, COMMA, QUOTE] = ['{', '}', '[', ']', ',', '"'].map(ascii) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array]
const [TRUE, FALSE] = [ascii('true'), ascii('false')]

const writeString: Write = (value, out) => {
  if (typeof value !== 'string') return false
  if (NEEDS_ESCAPE.test(value)) {
    out.text(JSON.stringify(value))
    return true
  }
  out.bytes(QUOTE)
  out.text(value)
  out.bytes(QUOTE)
  return true
}

const writeInteger: Write = (value, out) => {
  if (!Number.isInteger(value)) return false
  out.text(String(value))
  return true
}

const writeBoolean: Write = (value, out) => {
  if (typeof value !== 'boolean') return false
  out.bytes(value ? TRUE : FALSE)
  return true
}

function writerOf(schema: TSchema): Write | undefined {
  switch (schema.type) {
    case 'string':
      return writeString
    case 'integer':
      return writeInteger
    case 'boolean':
      return writeBoolean
    case 'array':
      return listWriter(schema.items as TSchema)
    case 'object':
      return schema.properties === undefined || schema.patternProperties !== undefined ? undefined : objectWriter(schema)
    default:
      return undefined
  }
}

function listWriter(items: TSchema): Write {
  const item = writerOf(items) ?? (() => false)
  return (value, out) => {
    if (!Array.isArray(value)) return false
    out.bytes(OPEN_LIST)
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.bytes(COMMA)
      if (!item(value[i], out)) return false
    }
    out.bytes(CLOSE_LIST)
    return true
  }
}

function objectWriter(schema: TSchema): Write {
  const required = new Set((schema.required as string[] | undefined) ?? [])
  const properties = Object.entries(schema.properties as Record<string, TSchema>).map(([key, property]) => ({
    key,
    // `"key":`, and the same after a comma.
    first: ascii(`${JSON.stringify(key)}:`),
    next: ascii(`,${JSON.stringify(key)}:`),
    required: required.has(key),
    write: writerOf(property) ?? (() => false),
  }))
  return (value, out) => {
    if (typeof value !== 'object' || value === null) return false
    const object = value as Record<string, unknown>
    out.bytes(OPEN)
    let written = false
    for (const { key, first, next, required, write } of properties) {
      const property = object[key]
      // (A required property missing: the route's serializer refuses the value, as before.)
      if (property === undefined) {
        if (required) return false
        continue
      }
      out.bytes(written ? next : first)
      if (!write(property, out)) return false
      written = true
    }
    out.bytes(CLOSE)
    return true
  }
}

/**
 * The writer of values of this object schema: their JSON as the route's serializer writes it, in
 * a buffer of their own, or undefined for a value holding something it does not cover.
 */
export function jsonBytesOf(schema: TSchema): (value: unknown) => Buffer | undefined {
  const write = objectWriter(schema)
  const out = new Out()
  return (value) => {
    out.length = 0
    if (!write(value, out)) return undefined
    const bytes = Buffer.allocUnsafe(out.length)
    out.buffer.copy(bytes, 0, 0, out.length)
    if (out.buffer.length > KEPT_BYTES) out.buffer = Buffer.allocUnsafe(KEPT_BYTES)
    return bytes
  }
}

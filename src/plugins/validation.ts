// How REST input is read and checked. Route schemas are TypeBox schemas compiled once with
// TypeBox's compiler (the same one /ws frames use). Query strings and path parameters get their
// defaults and are converted from text; bodies are checked as sent (no "42" for 42). A missing
// or empty JSON body counts as {}, so that required fields are reported by name. Integers in a
// query or path must be written as plain digits. A body too deep or with too many values to
// parse cheaply is refused unparsed (400 INVALID_REQUEST).
import fp from 'fastify-plugin'
import sjson from 'secure-json-parse'
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import { Errors } from '../errors.js'
import { jsonShape } from '../protocol/json-shape.js'

/** Text read as an integer must be digits only: no 1e400, 0x10, 10.5 or " 5" read as something else. */
const INTEGER_TEXT = /^-?[0-9]{1,16}$/

/** The top-level fields of a query or params schema that hold integers. */
function integerFields(schema: TSchema): string[] {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties ?? {}
  return Object.entries(properties)
    .filter(([, field]) => field.type === 'integer')
    .map(([key]) => key)
}

/**
 * Whether defaults or conversion can change a query or headers object of this schema: not when
 * every field is an optional string without a default (/ws's upgrade), since the text parsed
 * from a URL or the headers already is one. Decided once, at compile time.
 */
function mayChange(schema: TSchema): boolean {
  const properties = (schema as { properties?: Record<string, TSchema> }).properties
  if (schema.type !== 'object' || properties === undefined) return true
  return Object.values(properties).some((field) => field.type !== 'string' || 'default' in field)
}

function plainInteger(input: unknown, key: string): boolean {
  const value = typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[key] : undefined
  return typeof value !== 'string' || INTEGER_TEXT.test(value)
}

export const validationPlugin = fp(
  async (app) => {
    app.setValidatorCompiler(({ schema, httpPart }) => {
      const check = TypeCompiler.Compile(schema as TSchema)
      const integers = integerFields(schema as TSchema)
      const converted = httpPart !== 'body' && mayChange(schema as TSchema)
      return (input: unknown) => {
        const loose = httpPart === 'body' ? undefined : integers.find((key) => !plainInteger(input, key))
        if (loose !== undefined) return { error: new Error(`${httpPart ?? 'input'}.${loose}: Expected a plain integer (digits only)`) }
        const value = httpPart === 'body' ? (input ?? {}) : converted ? Value.Convert(check.Schema(), Value.Default(check.Schema(), input)) : input
        // Checked as it came (or changed in place): not handed back, since Fastify keeps headers
        // handed back beside the request's own and copies both on every read of request.headers.
        if (check.Check(value)) return value === input ? {} : { value }
        const error = check.Errors(value).First()
        const path = error?.path.replace(/\//g, '.') ?? ''
        return { error: new Error(`${httpPart ?? 'input'}${path}: ${error?.message ?? 'invalid'}`) }
      }
    })

    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = body as string
      if (text.trim() === '') return done(null, undefined)
      // Refused before it is parsed: parsing it would hold the event loop (json-shape.ts).
      const { fault } = jsonShape(text)
      if (fault !== undefined) return done(Object.assign(new Error(`body ${fault}`), { validation: [], statusCode: 400 }), undefined)
      try {
        // Refuses __proto__ and constructor.prototype keys instead of letting them through.
        done(null, sjson.parse(text, { protoAction: 'error', constructorAction: 'error' }) as unknown)
      } catch (error) {
        done(new Errors.InvalidJson((error as Error).message), undefined)
      }
    })
  },
  { name: 'validation' },
)

// How REST input is read and checked. Route schemas are TypeBox schemas compiled once with
// TypeBox's compiler (the same one /ws frames use). Query strings and path parameters get their
// defaults and are converted from text; bodies are checked as sent (no "42" for 42). A missing
// or empty JSON body counts as {}, so that required fields are reported by name.
import fp from 'fastify-plugin'
import sjson from 'secure-json-parse'
import type { TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import { Errors } from '../errors.js'

export const validationPlugin = fp(
  async (app) => {
    app.setValidatorCompiler(({ schema, httpPart }) => {
      const check = TypeCompiler.Compile(schema as TSchema)
      return (input: unknown) => {
        const value = httpPart === 'body' ? (input ?? {}) : Value.Convert(check.Schema(), Value.Default(check.Schema(), input))
        if (check.Check(value)) return { value }
        const error = check.Errors(value).First()
        const path = error?.path.replace(/\//g, '.') ?? ''
        return { error: new Error(`${httpPart ?? 'input'}${path}: ${error?.message ?? 'invalid'}`) }
      }
    })

    app.removeContentTypeParser('application/json')
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = body as string
      if (text.trim() === '') return done(null, undefined)
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

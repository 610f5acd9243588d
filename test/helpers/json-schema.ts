// Checks written examples against the schemas of a generated API document (OpenAPI 3.1 or
// AsyncAPI 3.0), with the schemas read from the document itself: its $refs resolve within it.
import { Ajv } from 'ajv'
import { Ajv2020 } from 'ajv/dist/2020.js'
import addFormatsModule from 'ajv-formats'

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ??
  addFormatsModule) as unknown as (ajv: Ajv) => Ajv

const escape = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1')

/** A validator of values against the schema at a JSON pointer of `document`. */
export function documentValidator(document: object, dialect: '2020-12' | 'draft-07') {
  const ajv = dialect === '2020-12' ? new Ajv2020({ strict: false, allErrors: true }) : new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addSchema(document, 'doc')
  return (pointer: string, value: unknown) => {
    const validate = ajv.compile({ $ref: `doc#${pointer}` })
    const valid = validate(value)
    return { valid, errors: ajv.errorsText(validate.errors) }
  }
}

export const pointerOf = (path: string[]) => path.map(escape).map((token) => `/${token}`).join('')

/** Every value under `root`, with its path: to find the examples a document holds. */
export function* walk(value: unknown, path: string[] = []): Generator<[unknown, string[]]> {
  yield [value, path]
  if (typeof value !== 'object' || value === null) return
  for (const [key, child] of Object.entries(value)) yield* walk(child, [...path, key])
}

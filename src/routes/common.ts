// Schemas shared by the REST routes: list pages, cursors, and the error responses.
import { Type, type TSchema } from '@sinclair/typebox'
import { ErrorResponse } from '../plugins/errors.js'

export const ListLimit = Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Page size, at most 200.' })
export const Cursor = Type.String({ minLength: 1, maxLength: 200, description: 'next_cursor of the previous page.' })
export const NextCursor = Type.Union([Type.String(), Type.Null()], { description: 'Pass as cursor for the next page; null on the last.' })

/** Response schemas for the given error statuses. */
export function errors(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries(statuses.map((status) => [status, ErrorResponse]))
}

// What every /ws frame has: a `type`, and an optional `request_id` that the client chooses and
// every reply to the frame carries. The frame schemas of both directions are built with frame().
import { Type, type Static, type TObject, type TProperties } from '@sinclair/typebox'

export const RequestId = Type.Union([Type.String({ maxLength: 128 }), Type.Integer({ minimum: -(2 ** 53 - 1), maximum: 2 ** 53 - 1 })], {
  description: 'Chosen by the client; echoed on every reply to the frame.',
})
export type RequestIdValue = Static<typeof RequestId>

/** The schema of one frame type: its properties, plus `type` and the optional `request_id`. */
export function frame<T extends string, P extends TProperties>(type: T, properties: P, description: string) {
  return Type.Object(
    { type: Type.Literal(type), request_id: Type.Optional(RequestId), ...properties },
    { title: type, description },
  )
}

/** A frame whose properties are those of a resource schema. */
export function withType<T extends string, P extends TProperties>(type: T, base: TObject<P>, description: string) {
  return frame(type, base.properties, description)
}

// Frames too deep or with too many values to parse cheaply are refused from a scan, their
// request_id kept; the largest frames the schemas allow are parsed and checked as before.
import { describe, expect, it } from 'vitest'
import { JSON_MAX_CONTAINERS, JSON_MAX_DEPTH, JSON_MAX_VALUES, SCANNED_LENGTH, jsonShape } from '../../src/protocol/json-shape.js'
import { parseFrame } from '../../src/protocol/parse.js'

const message = (requestId: string, metadata: string) =>
  `{"type":"chat_message","request_id":${requestId},"channel_id":"ch_x","content":"x","metadata":${metadata}}`
/** `[[…]]` `depth` levels deep, padded past SCANNED_LENGTH. */
const nested = (depth: number) => `{"m":${'['.repeat(depth)}${']'.repeat(depth)},"pad":"${'p'.repeat(SCANNED_LENGTH)}"}`

describe('frames refused unparsed', () => {
  it('refuses a frame nested past the bound, keeping its type and request_id', () => {
    for (const depth of [JSON_MAX_DEPTH, 100_000, 500_000]) {
      const parsed = parseFrame(message('"deep-1"', nested(depth)))
      expect(parsed.requestId).toBe('deep-1')
      expect(parsed.error?.message).toBe(`Invalid chat_message frame: frame nests deeper than ${JSON_MAX_DEPTH} levels`)
    }
  })

  it('refuses too many objects and arrays, or too many values, with a numeric request_id after them', () => {
    const objects = `{"type":"chat_message","channel_id":"ch_x","content":"x","metadata":{"m":[${'{},'.repeat(JSON_MAX_CONTAINERS)}0]},"request_id":42}`
    expect(parseFrame(objects)).toMatchObject({ requestId: 42, error: { code: 'INVALID_FRAME' } })
    expect(parseFrame(objects).error?.message).toContain(`more than ${JSON_MAX_CONTAINERS} objects and arrays`)
    const numbers = message('7', `{"m":[${'1,'.repeat(JSON_MAX_VALUES)}0]}`)
    expect(parseFrame(numbers).error?.message).toContain(`more than ${JSON_MAX_VALUES} values`)
    expect(parseFrame(numbers).requestId).toBe(7)
  })

  it('counts nothing inside strings, escaped quotes included', () => {
    const text = `{"type":"ping","request_id":"s","note":"${'[{\\"'.repeat(SCANNED_LENGTH)}\\\\"}`
    expect(jsonShape(text, ['request_id'])).toEqual({ fields: new Map([['request_id', '"s"']]) })
    expect(JSON.parse(text)).toBeTruthy()
  })
})

describe('the largest frames the schemas allow', () => {
  it('parses a resume of 10,000 cursors', () => {
    const channels = Array.from({ length: 10_000 }, (_, i) => ({ channel_id: `ch_${String(i).padStart(26, '0')}`, last_seq: i }))
    const parsed = parseFrame(JSON.stringify({ type: 'resume', request_id: 'r', channels }))
    expect(parsed.error).toBeUndefined()
    expect(parsed.frame?.type).toBe('resume')
  })

  it('parses 64 KiB of metadata in the smallest values, and checks it as before', () => {
    // 21,845 empty objects and 32,767 numbers: the metadata bound (64 KiB) decides, not the scan.
    for (const unit of ['{}', '1']) {
      const items = Array.from({ length: Math.floor((64 * 1024 - 10) / (unit.length + 1)) }, () => unit).join(',')
      const parsed = parseFrame(message('"m"', `{"m":[${items}]}`))
      expect(parsed.error).toBeUndefined()
      const over = parseFrame(message('"m"', `{"m":[${items},${Array.from({ length: 200 }, () => unit).join(',')}]}`))
      expect(over.error?.message).toContain('must be at most 65536 bytes as JSON')
    }
  })

  it('parses short frames without scanning them: their own checks answer', () => {
    expect(parseFrame(message('"d"', `{"m":${'['.repeat(4150)}${']'.repeat(4150)}}`)).error?.message).toBe(
      'Invalid chat_message frame: metadata: must be at most 32 levels deep',
    )
  })
})

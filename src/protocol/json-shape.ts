// The shape of a JSON text, found without parsing it: how deep it nests and how many values it
// holds. JSON.parse runs on the event loop and allocates every value before any schema sees it:
// a 1 MiB frame of nested or tiny values took 20–450 ms to parse, while the largest frame the
// schemas allow (a resume of 10,000 cursors, 64 KiB of metadata) holds far fewer values and nests
// far less. A text past these bounds is refused before it is parsed; strings are skipped with
// indexOf, so a long content costs little to scan. A short text parses quickly whatever it
// holds, and is not scanned.

/** Twice the deepest nesting a frame or body may hold (metadata: 32 levels, inside its frame). */
export const JSON_MAX_DEPTH = 64
/** Objects and arrays: a resume frame holds 10,002, 64 KiB of metadata at most ~22,000. */
export const JSON_MAX_CONTAINERS = 25_000
/** Every value and key: a resume frame holds ~50,000, 64 KiB of metadata at most ~33,000. */
export const JSON_MAX_VALUES = 60_000

/** Texts shorter than this (in UTF-16 units) parse within ~2 ms whatever they hold: not scanned. */
export const SCANNED_LENGTH = 16 * 1024

export interface JsonShape {
  /** Why the text is refused unparsed; undefined when within the bounds (or not JSON: JSON.parse tells why). */
  fault?: string
  /** The raw JSON of the top-level fields named in `keep` whose values are not objects or arrays. */
  fields: Map<string, string>
}

const QUOTE = 0x22
const BACKSLASH = 0x5c
const COMMA = 0x2c
const COLON = 0x3a
const OPEN_OBJECT = 0x7b
const OPEN_ARRAY = 0x5b
const CLOSE_OBJECT = 0x7d
const CLOSE_ARRAY = 0x5d

const isSpace = (code: number): boolean => code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09
const ends = (code: number): boolean => code === COMMA || code === CLOSE_OBJECT || code === CLOSE_ARRAY || code === COLON || isSpace(code)

/** The index of the quote closing the string opened at `open`, or -1 when it never closes. */
function stringEnd(text: string, open: number): number {
  for (let from = open + 1; ; ) {
    const quote = text.indexOf('"', from)
    if (quote < 0) return -1
    let slashes = 0
    while (text.charCodeAt(quote - 1 - slashes) === BACKSLASH) slashes++
    if (slashes % 2 === 0) return quote
    from = quote + 1
  }
}

/**
 * Scans `text` once (from SCANNED_LENGTH on). Past the first bound it breaks, it scans on only
 * for the fields to keep (a request_id after the deep part is still found).
 */
export function jsonShape(text: string, keep: readonly string[] = []): JsonShape {
  const fields = new Map<string, string>()
  if (text.length < SCANNED_LENGTH) return { fields }
  let fault: string | undefined
  let depth = 0
  let containers = 0
  let values = 0
  /** At depth 1 of a top-level object: the next string is a key. */
  let atKey = false
  let key: string | undefined
  const take = (start: number, end: number) => {
    if (depth === 1 && key !== undefined && keep.includes(key)) fields.set(key, text.slice(start, end))
  }
  const value = () => {
    if (++values > JSON_MAX_VALUES) fault ??= `holds more than ${JSON_MAX_VALUES} values`
  }
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i)
    if (code === QUOTE) {
      const end = stringEnd(text, i)
      if (end < 0) break
      value()
      if (depth === 1 && atKey) key = text.slice(i + 1, end)
      else take(i, end + 1)
      atKey = false
      i = end + 1
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      if (++depth > JSON_MAX_DEPTH) fault ??= `nests deeper than ${JSON_MAX_DEPTH} levels`
      if (++containers > JSON_MAX_CONTAINERS) fault ??= `holds more than ${JSON_MAX_CONTAINERS} objects and arrays`
      value()
      atKey = depth === 1 && code === OPEN_OBJECT
      i++
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth--
      i++
    } else if (code === COMMA) {
      atKey = depth === 1
      i++
    } else if (code === COLON || isSpace(code)) {
      i++
    } else {
      // A number, true, false or null.
      value()
      const start = i
      while (i < text.length && !ends(text.charCodeAt(i))) i++
      take(start, i)
    }
  }
  return fault === undefined ? { fields } : { fault, fields }
}

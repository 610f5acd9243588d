// The hub's REST API as the CLI calls it: the base URL from --hub-url (ws:// and a /ws path
// are accepted, as the client accepts them), credentials as headers, JSON in and out, error
// answers turned into exit codes, pages followed to the end, and a refusal that says when to
// come back (429, 503 with Retry-After) retried. Every request the CLI makes may be repeated:
// a message carries its client_msg_id, and opening a channel returns the pair's own.
import { CliError, ExitCode, exitCodeOf } from './exit-codes.js'

export interface Credentials {
  agentId?: string | undefined
  apiKey?: string | undefined
  adminToken?: string | undefined
}

/**
 * Who a request acts as. `operator`: the admin token, or no credentials at all (the operator
 * from the hub's own machine). `caller`: the operator when an admin token is given, else the
 * agent when an agent id is, else none.
 */
export type Acting = 'operator' | 'caller'

export interface RequestOptions {
  query?: Record<string, string | number | undefined>
  body?: unknown
  as?: Acting
}

const SCHEMES: Record<string, string> = { 'http:': 'http:', 'https:': 'https:', 'ws:': 'http:', 'wss:': 'https:' }
const MAX_RETRIES = 3
const MAX_RETRY_WAIT_MS = 30_000

/** The REST base of a hub URL: `ws://host:8765/ws` and `http://host:8765` both give `http://host:8765`. */
export function restBaseUrl(hubUrl: string): string {
  let url: URL
  try {
    url = new URL(hubUrl)
  } catch {
    throw new CliError(`the hub URL is not a URL: ${hubUrl}`, ExitCode.USAGE)
  }
  const scheme = SCHEMES[url.protocol]
  if (scheme === undefined) throw new CliError(`the hub URL must be http://, https://, ws:// or wss://: ${hubUrl}`, ExitCode.USAGE)
  url.protocol = scheme
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/ws$/, '')
  url.search = ''
  url.hash = ''
  return url.toString().replace(/\/$/, '')
}

export class HubApi {
  readonly baseUrl: string

  constructor(
    hubUrl: string,
    private readonly credentials: Credentials,
    private readonly timeoutMs = 30_000,
  ) {
    this.baseUrl = restBaseUrl(hubUrl)
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const url = new URL(this.baseUrl + path)
    for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) url.searchParams.set(key, String(value))
    const headers = this.headers(options.as ?? 'caller')
    if (options.body !== undefined) headers['content-type'] = 'application/json'
    for (let attempt = 0; ; attempt++) {
      let response: Response
      try {
        response = await fetch(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: AbortSignal.timeout(this.timeoutMs),
        })
      } catch (error) {
        throw new CliError(`cannot reach the hub at ${this.baseUrl}: ${reasonOf(error)}`, ExitCode.UNREACHABLE)
      }
      const wait = retryWaitMs(response, attempt)
      if (wait !== undefined) {
        await response.body?.cancel()
        await new Promise((resolve) => setTimeout(resolve, wait))
        continue
      }
      const text = await response.text()
      if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T
      throw refusal(response.status, text, `${method} ${url.pathname}`)
    }
  }

  /** Every item of a paginated list (`{<key>: [...], next_cursor}`), up to `limit` of them. */
  async list<T>(path: string, key: string, query: Record<string, string | number | undefined>, limit = Infinity): Promise<T[]> {
    const items: T[] = []
    let cursor: string | undefined
    do {
      const pageSize = Math.min(200, limit - items.length)
      const page = await this.request<Record<string, unknown>>('GET', path, { query: { ...query, limit: pageSize, cursor } })
      items.push(...(page[key] as T[]))
      cursor = (page.next_cursor as string | null) ?? undefined
    } while (cursor !== undefined && items.length < limit)
    return items
  }

  private headers(as: Acting): Record<string, string> {
    const { agentId, apiKey, adminToken } = this.credentials
    if (adminToken !== undefined) return { authorization: `Bearer ${adminToken}` }
    if (as === 'operator' || agentId === undefined) return {}
    return { 'x-agent-id': agentId, ...(apiKey !== undefined ? { authorization: `Bearer ${apiKey}` } : {}) }
  }
}

/** How long to wait before retrying a refusal that may be retried; undefined for any other answer. */
function retryWaitMs(response: Response, attempt: number): number | undefined {
  const retryAfter = response.headers.get('retry-after')
  // A 503 without Retry-After is a hub going away, not one asking to come back.
  const retryable = response.status === 429 || (response.status === 503 && retryAfter !== null)
  if (!retryable || attempt >= MAX_RETRIES) return undefined
  const seconds = Number(retryAfter)
  return Math.min(MAX_RETRY_WAIT_MS, seconds > 0 ? seconds * 1000 : 500 * 2 ** attempt)
}

function refusal(status: number, text: string, what: string): CliError {
  let code: string | undefined
  let message = text.trim() || `${status}`
  try {
    const body = JSON.parse(text) as { error?: { code?: string; message?: string } }
    code = body.error?.code
    message = body.error?.message ?? message
  } catch {
    // Not the hub's JSON error (a proxy's page, say): its text is the message.
  }
  return new CliError(`${what}: ${status}${code ? ` ${code}` : ''}: ${message}`, exitCodeOf(status), code)
}

function reasonOf(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'no answer in time'
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined
  return cause?.code ?? cause?.message ?? String(error)
}

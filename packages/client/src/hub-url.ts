// Turns the hubUrl a user typed into the /ws endpoint URL for one agent. Users write
// `ws://host:8765`, `ws://host:8765/ws` or even `http://host:8765`; all mean the same socket.
// `resume=1` tells the hub to wait for the client's `resume` frame before replaying anything.
import { ChatHubError, ClientErrorCode } from './errors.js'

const SCHEMES: Record<string, string> = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' }

export function socketUrl(hubUrl: string, agentId: string): string {
  let url: URL
  try {
    url = new URL(hubUrl)
  } catch {
    throw new ChatHubError(ClientErrorCode.INVALID_ARGUMENT, `hubUrl is not a URL: ${hubUrl}`)
  }
  const scheme = SCHEMES[url.protocol]
  if (scheme === undefined) {
    throw new ChatHubError(ClientErrorCode.INVALID_ARGUMENT, `hubUrl must be ws://, wss://, http:// or https://: ${hubUrl}`)
  }
  url.protocol = scheme
  const path = url.pathname.replace(/\/+$/, '')
  url.pathname = path.endsWith('/ws') ? path : `${path}/ws`
  url.searchParams.set('agent_id', agentId)
  url.searchParams.set('resume', '1')
  url.hash = ''
  return url.toString()
}

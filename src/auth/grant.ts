// Which services an agent may register and request. Agents with an API key (or keyless, from
// this machine) may do both for any service; a JWT may narrow it with the `claw_services` claim:
//   { "claw_services": { "register": ["weather-svc"], "request": ["geo-*"] } }
// A list names service ids, or prefixes ending in `*`; a missing list leaves that side open,
// an empty one closes it. Checked on /ws frames and REST routes alike.
import { Type, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { Errors } from '../errors.js'

export const SERVICES_CLAIM = 'claw_services'

const Patterns = Type.Array(Type.String({ pattern: '^[A-Za-z0-9._:-]{0,128}\\*?$', minLength: 1 }), { maxItems: 1000 })
export const ServicesClaim = Type.Object({ register: Type.Optional(Patterns), request: Type.Optional(Patterns) }, { additionalProperties: false })
export type ServicesClaim = Static<typeof ServicesClaim>

type Matcher = (serviceId: string) => boolean

function matcher(patterns: string[] | undefined): Matcher | undefined {
  if (patterns === undefined) return undefined
  const exact = new Set(patterns.filter((p) => !p.endsWith('*')))
  const prefixes = patterns.filter((p) => p.endsWith('*')).map((p) => p.slice(0, -1))
  return (serviceId) => exact.has(serviceId) || prefixes.some((prefix) => serviceId.startsWith(prefix))
}

export class ServiceGrant {
  static readonly ALL = new ServiceGrant(undefined, undefined)

  private constructor(
    private readonly register: Matcher | undefined,
    private readonly request: Matcher | undefined,
  ) {}

  /** The grant of a token's claim (absent: everything); throws UNAUTHORIZED for a malformed claim. */
  static fromClaim(claim: unknown): ServiceGrant {
    if (claim === undefined) return ServiceGrant.ALL
    if (!Value.Check(ServicesClaim, claim)) {
      throw new Errors.Unauthorized(
        `The token's ${SERVICES_CLAIM} claim must be {"register"?: [...], "request"?: [...]}, lists of service ids or prefixes ending in *`,
      )
    }
    return new ServiceGrant(matcher(claim.register), matcher(claim.request))
  }

  get unrestricted(): boolean {
    return this.register === undefined && this.request === undefined
  }

  mayRegister(serviceId: string): boolean {
    return this.register?.(serviceId) ?? true
  }

  mayRequest(serviceId: string): boolean {
    return this.request?.(serviceId) ?? true
  }

  assertRegister(serviceId: string): void {
    if (!this.mayRegister(serviceId)) throw new Errors.Forbidden(`Your token does not let you register service ${serviceId} (${SERVICES_CLAIM}.register)`)
  }

  assertRequest(serviceId: string): void {
    if (!this.mayRequest(serviceId)) throw new Errors.Forbidden(`Your token does not let you request service ${serviceId} (${SERVICES_CLAIM}.request)`)
  }

  /** Talking on a service's channel: as its provider or as a consumer. */
  assertUse(serviceId: string): void {
    if (!this.mayRegister(serviceId) && !this.mayRequest(serviceId)) {
      throw new Errors.Forbidden(`Your token does not let you use service ${serviceId} (${SERVICES_CLAIM})`)
    }
  }
}

// API keys: 256 random bits, stored as their SHA-256 digest in an indexed column, so the key
// alone finds its agent in one read. A fast hash suits a random secret (nothing to guess);
// slow, salted hashes are for passwords. Keys stored by earlier versions as salted scrypt
// hashes are still checked (with the agent id, since such a hash cannot be looked up) and are
// replaced by a digest when next used, if they are of the issued kind.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

const CACHE_LIMIT = 10_000
/** What generateKey() makes: chk_ and 32 random bytes in base64url. */
const ISSUED = /^chk_[A-Za-z0-9_-]{43}$/

export function generateKey(): string {
  return `chk_${randomBytes(32).toString('base64url')}`
}

/** The stored form of a key, and what it is looked up by. */
export function keyDigest(key: string): string {
  return createHash('sha256').update(key).digest('base64url')
}

/** A key the hub issued has 256 random bits; a key chosen by a client may have few. */
export const isIssuedKey = (key: string): boolean => ISSUED.test(key)

function derive(key: string, salt: Buffer, params: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(key, salt, 32, { ...params, maxmem: 64 * 1024 * 1024 }, (error, derived) => (error ? reject(error) : resolve(derived))),
  )
}

/** Does the key match a `scrypt$N$r$p$salt$hash` stored by earlier versions? */
async function matchesScrypt(key: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const derived = await derive(key, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) })
  return derived.length === expected.length && timingSafeEqual(derived, expected)
}

/**
 * Checks keys against scrypt hashes, remembering (by digest) those that passed, so that an
 * agent whose key stays in scrypt form pays for scrypt once per process, not per connect.
 */
export class LegacyKeyVerifier {
  private readonly passed = new Map<string, string>()

  async verify(key: string, stored: string): Promise<boolean> {
    const digest = keyDigest(key)
    if (this.passed.get(digest) === stored) return true
    if (!(await matchesScrypt(key, stored))) return false
    if (this.passed.size >= CACHE_LIMIT) this.passed.delete(this.passed.keys().next().value as string)
    this.passed.set(digest, stored)
    return true
  }
}

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(a), digest(b))
}

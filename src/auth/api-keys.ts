// API keys: generated with 256 bits of randomness, stored only as a salted scrypt hash, and
// checked in constant time. A key that has passed once is remembered by its SHA-256 (together
// with the stored hash it matched), so a reconnecting agent does not pay for scrypt again; a
// rotated or revoked key no longer matches the stored hash and is checked afresh.
import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto'

const SCRYPT = { N: 16_384, r: 8, p: 1 }
const KEY_LENGTH = 32
const CACHE_LIMIT = 10_000

export function generateKey(): string {
  return `chk_${randomBytes(32).toString('base64url')}`
}

function derive(key: string, salt: Buffer, params = SCRYPT): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(key, salt, KEY_LENGTH, { ...params, maxmem: 64 * 1024 * 1024 }, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  )
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashKey(key: string): Promise<string> {
  const salt = randomBytes(16)
  const hash = await derive(key, salt)
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

async function matches(key: string, stored: string): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = stored.split('$')
  if (scheme !== 'scrypt' || !salt || !hash) return false
  const expected = Buffer.from(hash, 'base64url')
  const derived = await derive(key, Buffer.from(salt, 'base64url'), { N: Number(N), r: Number(r), p: Number(p) })
  return derived.length === expected.length && timingSafeEqual(derived, expected)
}

export class KeyVerifier {
  private readonly passed = new Map<string, string>()

  async verify(key: string, stored: string): Promise<boolean> {
    const fingerprint = createHash('sha256').update(key).digest('base64url')
    if (this.passed.get(fingerprint) === stored) return true
    if (!(await matches(key, stored))) return false
    if (this.passed.size >= CACHE_LIMIT) this.passed.delete(this.passed.keys().next().value as string)
    this.passed.set(fingerprint, stored)
    return true
  }
}

/** Constant-time comparison of two secrets of any length. */
export function sameSecret(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest()
  return timingSafeEqual(digest(a), digest(b))
}

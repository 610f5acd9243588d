// Is a request from this machine? Keyless agents and the keyless operator are trusted only
// from here (unless HUB_ADMIN_TOKEN is set, which trusts no address).
export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.')
}

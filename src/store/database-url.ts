// Tells which database a DATABASE_URL names and where a SQLite file lives.
import { mkdirSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

export type Provider = 'sqlite' | 'postgresql'

export function providerOf(url: string): Provider {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgresql' : 'sqlite'
}

/** The SQLite file path of a file: URL, with its folder created. */
export function sqliteFile(url: string): string {
  const path = url.replace(/^file:/, '').replace(/\?.*$/, '')
  if (path === ':memory:') return path
  const absolute = resolve(path)
  mkdirSync(dirname(absolute), { recursive: true })
  return absolute
}

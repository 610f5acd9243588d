// Prisma CLI configuration. Uses the JavaScript schema engine with a driver adapter, so
// `prisma generate`, `migrate diff` and `migrate status` run without any engine binary.
import { defineConfig } from 'prisma/config'
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3'
import { PrismaPg } from '@prisma/adapter-pg'

const url = process.env.DATABASE_URL ?? 'file:./data/hub.db'
const postgres = /^postgres(ql)?:\/\//.test(url)

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: postgres ? 'prisma/postgres/schema.prisma' : 'prisma/sqlite/schema.prisma',
  migrations: { path: postgres ? 'prisma/postgres/migrations' : 'prisma/sqlite/migrations' },
  adapter: async () =>
    postgres ? new PrismaPg({ connectionString: url }) : new PrismaBetterSQLite3({ url }),
})

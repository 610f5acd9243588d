// A store on a fresh database for every test of a file (SQLite, or Postgres with
// HUB_TEST_DATABASE=postgres), opened as the hub opens it; a background database error fails
// the test. Call at the top level of the file and read `.store` inside the tests.
import { afterEach, beforeEach, expect } from 'vitest'
import { openStore, type Store } from '../../src/store/index.js'
import { tempDatabase, type TempDatabase } from './database.js'

export interface TempStore {
  store: Store
  temp: TempDatabase
  /** Another store on the same database (another hub), closed after the test. */
  open(onBatch?: (size: number) => void): Promise<Store>
}

export function useTempStore(onBatch?: (size: number) => void): TempStore {
  const others: Store[] = []
  const current = {
    open: async (batches?: (size: number) => void) => {
      const store = await openStore({
        databaseUrl: current.temp.url,
        maxBatch: 100,
        onBatch: batches,
        onError: (error) => expect.fail(String(error)),
      })
      others.push(store)
      return store
    },
  } as TempStore
  beforeEach(async () => {
    current.temp = await tempDatabase()
    current.store = await current.open(onBatch)
  })
  afterEach(async () => {
    for (const store of others.splice(0)) await store.close()
    await current.temp.remove()
  })
  return current
}

// Cursor pagination over string primary keys that sort by creation (ULIDs, agent and service ids).
export interface Page<T> {
  items: T[]
  next_cursor: string | null
}

/** Reads limit + 1 rows after the cursor; the extra row only tells whether another page exists. */
export async function pageByKey<Row extends { id: string }>(
  limit: number,
  read: (take: number) => Promise<Row[]>,
): Promise<Page<Row>> {
  const rows = await read(limit + 1)
  const items = rows.slice(0, limit)
  const last = items.at(-1)
  return { items, next_cursor: rows.length > limit && last ? last.id : null }
}

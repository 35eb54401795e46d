/** The file a `sqlite:<path>` DATABASE_URL names; undefined for any other database. */
export function sqlitePathOf(databaseUrl: string): string | undefined {
  return databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : undefined;
}

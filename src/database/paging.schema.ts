import type { Kysely, Migration } from 'kysely';

/** An accept link that was used: a second use finds its row (single use, on every instance). */
export interface AcceptLinkUseTable {
  /** The token's nonce. */
  link_id: string;
  call_id: string;
  expert_id: string;
  used_at: string;
}

export interface PagingTables {
  accept_link_use: AcceptLinkUseTable;
}

export const pagingMigrations: Record<string, Migration> = {
  '2026-12-03-130-accept-link-use': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('accept_link_use')
        .addColumn('link_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('call_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('expert_id', 'varchar(128)', (c) => c.notNull())
        .addColumn('used_at', 'varchar(32)', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('accept_link_use').execute();
    },
  },
};

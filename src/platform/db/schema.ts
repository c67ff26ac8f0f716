/**
 * The one database type. It starts empty; every module adds its own tables from its
 * `tables.ts` through declaration merging:
 *
 * ```ts
 * declare module '../../platform/db/schema.js' {
 *   interface Database { customer: CustomerTable }
 * }
 * ```
 *
 * so a single `Kysely<Database>` (and `Transaction<Database>`) flows through every module
 * while each table's type lives beside the code that owns it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Database {}

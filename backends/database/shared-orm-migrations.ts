import { dialectOf } from "./dialect.js";
import { migrationsFor } from "./migrations/index.js";
import { migrationsTableName, type ErrandOrm } from "./orm.js";

/**
 * errand's migrations for an application's own MikroORM (OPTIONS.orm, or one registered in the
 * container). That ORM's migrator belongs to the application and runs the application's migrations,
 * so errand applies its own list itself, recording them in the same table shape MikroORM's migrator
 * uses (`errand_migrations`: id, name, executed_at): a database migrated either way stays compatible.
 */

function bookkeepingDdl(orm: ErrandOrm, table: string): string {
  return dialectOf(orm).name === "postgresql"
    ? `create table if not exists "${table}" ("id" serial primary key, "name" varchar(255), "executed_at" timestamptz default current_timestamp)`
    : `create table if not exists "${table}" ("id" integer not null primary key autoincrement, "name" text, "executed_at" datetime default current_timestamp)`;
}

async function appliedNames(orm: ErrandOrm, table: string): Promise<Set<string>> {
  await orm.em.execute(bookkeepingDdl(orm, table));
  const rows = (await orm.em.execute(`select "name" from "${table}"`)) as { name: string }[];
  return new Set(rows.map((r) => r.name));
}

/** Names of errand's migrations not yet applied through an application's ORM. */
export async function pendingSharedOrmMigrations(orm: ErrandOrm, tableName: string): Promise<string[]> {
  const done = await appliedNames(orm, migrationsTableName(tableName));
  return migrationsFor(dialectOf(orm).name, tableName)
    .map((m) => m.name)
    .filter((name) => !done.has(name));
}

/**
 * Applies errand's pending migrations through an application's ORM, in one transaction (PostgreSQL:
 * serialized by an advisory transaction lock, so workers starting together do not race).
 * @returns the names applied.
 */
export async function migrateSharedOrm(orm: ErrandOrm, tableName: string): Promise<string[]> {
  const book = migrationsTableName(tableName);
  const dialect = dialectOf(orm).name;
  await orm.em.execute(bookkeepingDdl(orm, book));
  return orm.em.fork().transactional(async (em) => {
    if (dialect === "postgresql") await em.execute("select pg_advisory_xact_lock(?)", [0x65_72_72_61_6e_64]);
    const rows = (await em.execute(`select "name" from "${book}"`)) as { name: string }[];
    const done = new Set(rows.map((r) => r.name));
    const applied: string[] = [];
    for (const { name, class: Cls } of migrationsFor(dialect, tableName)) {
      if (done.has(name)) continue;
      const migration = new (Cls as new (driver: unknown, config: unknown) => { up(): unknown; getQueries(): unknown[] })(orm.driver, orm.config);
      await migration.up();
      for (const sql of migration.getQueries()) await em.execute(String(sql));
      await em.execute(`insert into "${book}" ("name") values (?)`, [name]);
      applied.push(name);
    }
    return applied;
  });
}

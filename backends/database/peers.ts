/**
 * The database subpath's one eager MikroORM import, loaded with top-level await so that a missing
 * package gives one clear "install X" message instead of Node's ERR_MODULE_NOT_FOUND from deep inside
 * the module graph. Everything else loads MikroORM lazily (see orm.ts).
 */
async function load() {
  try {
    return await import("@mikro-orm/core");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new Error(
        'errand/backends/database needs MikroORM: npm install @mikro-orm/core @mikro-orm/migrations and @mikro-orm/sqlite (SQLite) or @mikro-orm/postgresql pg (PostgreSQL).',
        { cause: error },
      );
    }
    throw error;
  }
}

/** `@mikro-orm/core`, loaded once. */
export const mikroOrmCore = await load();

/**
 * The database subpath's one eager MikroORM import, loaded with top-level await so that a missing
 * package gives one clear "install X" message instead of Node's ERR_MODULE_NOT_FOUND from deep inside
 * the module graph. Everything else loads MikroORM lazily (see orm.ts).
 */
import { MissingPeerError } from "../../src/errors.js";
import { importOptional } from "../../src/optional-import.js";

async function load() {
  const loaded = await importOptional(() => import("@mikro-orm/core"));
  if (loaded instanceof Error) {
    throw new MissingPeerError(
      {
        packageName: "@mikro-orm/core",
        feature: "DatabaseBackend",
        message:
          "errand/backends/database needs MikroORM and its driver for your database: npm install @mikro-orm/sqlite (SQLite), npm install @mikro-orm/postgresql (PostgreSQL), npm install @mikro-orm/mysql (MySQL) or npm install @mikro-orm/mariadb (MariaDB).",
      },
      { cause: loaded },
    );
  }
  return loaded;
}

/** `@mikro-orm/core`, loaded once. */
export const mikroOrmCore = await load();

import { OwnServer } from "./own-server.js";

/**
 * A PostgreSQL server of a test's own (scripts/pg-test-server.sh, data under `<root>/.pg-test-<name>/`).
 * `start()` returns the url of its `errand_test` database.
 */
export class OwnPostgres extends OwnServer {
  constructor(name: string, port: number) {
    super({ script: "pg-test-server.sh", envPrefix: "PG", dirStem: ".pg-test" }, name, port);
  }
}

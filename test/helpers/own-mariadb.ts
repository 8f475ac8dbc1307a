import { OwnServer } from "./own-server.js";

/**
 * A MariaDB server of a test's own (scripts/mariadb-test-server.sh, data under `<root>/.mariadb-test-<name>/`,
 * kept between runs so a second start skips `mariadb-install-db`). `start()` returns the url of its
 * `errand_test` database, `mariadb://root@127.0.0.1:<port>/errand_test` (no password).
 */
export class OwnMariadb extends OwnServer {
  constructor(name: string, port: number) {
    super({ script: "mariadb-test-server.sh", envPrefix: "MARIADB", dirStem: ".mariadb-test" }, name, port);
  }
}

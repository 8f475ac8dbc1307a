import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../scripts/mariadb-test-server.sh", import.meta.url));

/**
 * A MariaDB server of a test's own (its own data directory and port, via scripts/mariadb-test-server.sh),
 * for tests that must restart or stop the server without disturbing any shared one.
 *
 * The data directory is `<project root>/.mariadb-test-<name>/` (gitignored) and is kept between runs, so a
 * second `start()` skips `mariadb-install-db`. Every call blocks until the script is done (at most about
 * 60 s for a start, 30 s for a stop); a failure throws the `Error` of `execFileSync` whose `stderr` holds
 * the script's message and the server log's last lines.
 */
export class OwnMariadb {
  readonly #env: NodeJS.ProcessEnv;

  /**
   * @param name - suffix of the data directory; unique per test file so parallel files never share a server.
   * @param port - TCP port on 127.0.0.1; pick one no other test uses (the shared default is 53306).
   */
  constructor(readonly name: string, readonly port: number) {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    this.#env = { ...process.env, ERRAND_TEST_MARIADB_DIR: `${root}.mariadb-test-${name}`, ERRAND_TEST_MARIADB_PORT: String(port) };
  }

  #run(command: string): string {
    return execFileSync("bash", [script, command], { env: this.#env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  }

  /**
   * Starts the server (a no-op if it already runs).
   * @returns the url of its `errand_test` database, `mariadb://root@127.0.0.1:<port>/errand_test` (no password).
   */
  start(): string {
    return this.#run("start");
  }

  /** Stops the server (SIGTERM, so connections are cut), then starts it again on the same data. */
  restart(): void {
    this.#run("stop");
    this.#run("start");
  }

  /** Stops the server; a no-op if it is not running. */
  stop(): void {
    this.#run("stop");
  }
}

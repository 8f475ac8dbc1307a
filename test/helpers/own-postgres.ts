import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../scripts/pg-test-server.sh", import.meta.url));

/**
 * A PostgreSQL server of a test's own (its own data directory and port, via scripts/pg-test-server.sh),
 * for tests that must restart or stop the server without disturbing the shared test server.
 */
export class OwnPostgres {
  readonly #env: NodeJS.ProcessEnv;

  constructor(readonly name: string, readonly port: number) {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    this.#env = { ...process.env, ERRAND_TEST_PG_DIR: `${root}.pg-test-${name}`, ERRAND_TEST_PG_PORT: String(port) };
  }

  #run(command: string): string {
    return execFileSync("bash", [script, command], { env: this.#env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  }

  /** Starts the server; returns the url of its `errand_test` database. */
  start(): string {
    return this.#run("start");
  }

  /** Fast shutdown (connections are cut), then start again. */
  restart(): void {
    this.#run("stop");
    this.#run("start");
  }

  /** Stops the server. */
  stop(): void {
    this.#run("stop");
  }
}

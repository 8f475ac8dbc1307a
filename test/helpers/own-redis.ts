import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("../../scripts/redis-test-server.sh", import.meta.url));

/**
 * A Redis server of a test's own (its own directory and port, via scripts/redis-test-server.sh), for tests
 * that must restart or stop the server without disturbing any shared one.
 *
 * The server keeps nothing on disk: a restart empties it. Its directory (pid file, log) is
 * `<project root>/.redis-test-<name>/` (gitignored). Every call blocks until the script is done (at most
 * about 60 s for a start, 30 s for a stop); a failure throws the `Error` of `execFileSync` whose `stderr`
 * holds the script's message and the server log's last lines.
 */
export class OwnRedis {
  readonly #env: NodeJS.ProcessEnv;

  /**
   * @param name - suffix of the directory; unique per test file so parallel files never share a server.
   * @param port - TCP port on 127.0.0.1; pick one no other test uses (the shared default is 56379).
   */
  constructor(readonly name: string, readonly port: number) {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    this.#env = { ...process.env, ERRAND_TEST_REDIS_DIR: `${root}.redis-test-${name}`, ERRAND_TEST_REDIS_PORT: String(port) };
  }

  #run(command: string): string {
    return execFileSync("bash", [script, command], { env: this.#env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  }

  /**
   * Starts the server (a no-op if it already runs).
   * @returns its url, `redis://127.0.0.1:<port>`.
   */
  start(): string {
    return this.#run("start");
  }

  /** Stops the server (SIGTERM, so connections are cut and every key is lost), then starts it again. */
  restart(): void {
    this.#run("stop");
    this.#run("start");
  }

  /** Stops the server; a no-op if it is not running. */
  stop(): void {
    this.#run("stop");
  }
}

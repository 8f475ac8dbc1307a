import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

/** Which throwaway server: its script under scripts/ and the prefix of that script's variables. */
export interface ServerKind {
  /** e.g. `pg-test-server.sh`. */
  script: string;
  /** e.g. `PG`: the script reads `ERRAND_TEST_PG_DIR` and `ERRAND_TEST_PG_PORT`. */
  envPrefix: string;
  /** The directory name's stem under the project root, e.g. `.pg-test` (gitignored). */
  dirStem: string;
}

/**
 * A server of a test's own (its own directory and port, via one of the scripts/*-test-server.sh), for
 * tests that must restart or stop the server without disturbing the shared one. Every call blocks until
 * the script is done (at most about 60 s for a start, 30 s for a stop); a failure throws the `Error` of
 * `execFileSync` whose `stderr` holds the script's message and the server log's last lines.
 */
export class OwnServer {
  readonly #env: NodeJS.ProcessEnv;
  readonly #script: string;

  /**
   * @param name - suffix of the directory (`<root>/<dirStem>-<name>/`); unique per test file so parallel
   *   files never share a server.
   * @param port - TCP port on 127.0.0.1; pick one no other test uses, below Linux's ephemeral range
   *   (32768–60999: a port in it can be held by one of the suite's own outgoing connections when the
   *   server starts). `ERRAND_TEST_PORT_OFFSET` (default 0) is added, so two checkouts can run their
   *   suites at once without sharing a server.
   */
  readonly port: number;

  constructor(kind: ServerKind, readonly name: string, port: number) {
    this.port = port + Number(process.env.ERRAND_TEST_PORT_OFFSET ?? 0);
    const root = fileURLToPath(new URL("../../", import.meta.url));
    this.#script = `${root}scripts/${kind.script}`;
    this.#env = {
      ...process.env,
      [`ERRAND_TEST_${kind.envPrefix}_DIR`]: `${root}${kind.dirStem}-${name}`,
      [`ERRAND_TEST_${kind.envPrefix}_PORT`]: String(this.port),
    };
  }

  #run(command: string): string {
    return execFileSync("bash", [this.#script, command], { env: this.#env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
  }

  /** Starts the server (a no-op if it already runs); returns its url. */
  start(): string {
    return this.#run("start");
  }

  /** Stops the server (connections are cut), then starts it again. */
  restart(): void {
    this.#run("stop");
    this.#run("start");
  }

  /** Stops the server; a no-op if it is not running. */
  stop(): void {
    this.#run("stop");
  }
}

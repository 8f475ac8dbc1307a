import { OwnServer } from "./own-server.js";

/**
 * A Redis server of a test's own (scripts/redis-test-server.sh, pid file and log under
 * `<root>/.redis-test-<name>/`). It keeps nothing on disk: a restart empties it. `start()` returns
 * `redis://127.0.0.1:<port>`.
 */
export class OwnRedis extends OwnServer {
  constructor(name: string, port: number) {
    super({ script: "redis-test-server.sh", envPrefix: "REDIS", dirStem: ".redis-test" }, name, port);
  }
}

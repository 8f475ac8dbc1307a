// Unique tasks on BullMQ (the shared suite, test/conformance/unique-suite.ts), on a Redis of this file's own.
import test from "ava";
import { BullMQBackend } from "../../../backends/bullmq/index.js";
import { taskBackends } from "../../../src/index.js";
import { runUniqueSuite, uniqueEcho, uniqueHeld } from "../../conformance/unique-suite.js";
import { drainStore } from "./drain.js";
import { freshPrefix, startRedis } from "./support.js";

const redis = startRedis("unique", 26388);
test.after.always(() => redis.stop());

runUniqueSuite({
  name: "BullMQBackend",
  BACKEND: BullMQBackend,
  OPTIONS: { url: redis.url, prefix: freshPrefix() },
  runsAtEnqueue: false,
  async drain() {
    await drainStore(taskBackends.default as BullMQBackend, [uniqueEcho.name, uniqueHeld.name]);
  },
});

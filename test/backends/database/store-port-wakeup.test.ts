import { randomBytes } from "node:crypto";
import test from "ava";
import { storePortSuite } from "../../worker/store-suite.js";
import { MARIADB_URL } from "../../helpers/databases.js";
import { OwnRedis } from "../../helpers/own-redis.js";
import { databaseStoreHarness } from "./store-port-harness.js";

// The database store with OPTIONS.wakeup (a Redis of this file's own, port 26396) through the port's
// contract: `watch` delivers wake-ups. A table per check, so concurrent checks never hear each other.
const redis = new OwnRedis("wakeup-port", 26396);
const wakeup = redis.start();
test.after.always(() => redis.stop());
const table = () => `errand_${randomBytes(4).toString("hex")}`;

storePortSuite(test, () => databaseStoreHarness(MARIADB_URL ? "mariadb" : "sqlite", { wakeup, tableName: table() }));

import test from "ava";
import { MARIADB_URL } from "../../helpers/databases.js";
import { storePortSuite } from "../../worker/store-suite.js";
import { databaseStoreHarness } from "./store-port-harness.js";

// The database store on a fresh database per check on the MariaDB test server, through the mysql:// url.
if (MARIADB_URL) storePortSuite(test, () => databaseStoreHarness("mysql"));
else test("mysql:// store port (skipped: ERRAND_TEST_MARIADB_URL is not set)", (t) => t.pass());

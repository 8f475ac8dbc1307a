import test from "ava";
import { PG_URL } from "../../helpers/databases.js";
import { storePortSuite } from "../../worker/store-suite.js";
import { databaseStoreHarness } from "./store-port-harness.js";

// The database store on a fresh PostgreSQL database per check, through the port's contract.
if (PG_URL) storePortSuite(test, () => databaseStoreHarness("postgresql"));
else test("PostgreSQL store port (skipped: ERRAND_TEST_PG_URL is not set)", (t) => t.pass());

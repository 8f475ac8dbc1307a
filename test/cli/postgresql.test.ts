// The CLI scenarios on PostgreSQL (ERRAND_TEST_PG_URL): one fresh database for this file, a table per test.
import test from "ava";
import { assertBuilt } from "./_helpers/cli.js";

const PG_URL = process.env.ERRAND_TEST_PG_URL;
if (PG_URL) {
  // The helpers import "errand" (dist/): check the build first so a missing one reads clearly.
  assertBuilt();
  const { pgStores } = await import("./_helpers/stores.js");
  const { defineCliSuite } = await import("./_helpers/suite.js");
  defineCliSuite(test, pgStores(PG_URL));
} else {
  test.skip("PostgreSQL CLI scenarios (set ERRAND_TEST_PG_URL to run them)", () => {});
}

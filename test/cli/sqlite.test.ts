// The CLI scenarios on a temporary SQLite file per test.
import test from "ava";
import { assertBuilt } from "./_helpers/cli.js";

// The helpers import "errand" (dist/): check the build first so a missing one reads clearly.
assertBuilt();
const { sqliteStores } = await import("./_helpers/stores.js");
const { defineCliSuite } = await import("./_helpers/suite.js");
defineCliSuite(test, sqliteStores());

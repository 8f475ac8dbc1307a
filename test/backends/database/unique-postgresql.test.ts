import test from "ava";
import { databaseTarget } from "../../conformance/database-targets.js";
import { runUniqueSuite } from "../../conformance/unique-suite.js";
import { PG_URL } from "../../helpers/databases.js";

const target = databaseTarget("postgresql");
if (PG_URL) runUniqueSuite(target);
else test("unique tasks on postgresql (skipped: ERRAND_TEST_PG_URL is not set)", (t) => t.pass());

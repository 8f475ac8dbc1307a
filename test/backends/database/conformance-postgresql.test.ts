import test from "ava";
import { runConformanceSuite } from "../../conformance/suite.js";
import { databaseTarget } from "../../conformance/database-targets.js";
import { PG_URL } from "../../helpers/databases.js";

if (PG_URL) runConformanceSuite(databaseTarget("postgresql"));
else test("DatabaseBackend (PostgreSQL) conformance (skipped: ERRAND_TEST_PG_URL is not set)", (t) => t.pass());

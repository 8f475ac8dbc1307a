import test from "ava";
import { databaseTarget } from "../../conformance/database-targets.js";
import { runUniqueSuite } from "../../conformance/unique-suite.js";
import { MARIADB_URL } from "../../helpers/databases.js";

const target = databaseTarget("mysql");
if (MARIADB_URL) runUniqueSuite(target);
else test("unique tasks on mysql (skipped: ERRAND_TEST_MARIADB_URL is not set)", (t) => t.pass());

import test from "ava";
import { runConformanceSuite } from "../../conformance/suite.js";
import { databaseTarget } from "../../conformance/database-targets.js";
import { MARIADB_URL } from "../../helpers/databases.js";

// The MariaDB test server through the mysql:// url (@mikro-orm/mysql).
if (MARIADB_URL) runConformanceSuite(databaseTarget("mysql"));
else test("DatabaseBackend (mysql://) conformance (skipped: ERRAND_TEST_MARIADB_URL is not set)", (t) => t.pass());

import test from "ava";
import { runConformanceSuite } from "../../conformance/suite.js";
import { databaseTarget } from "../../conformance/database-targets.js";
import { MARIADB_URL } from "../../helpers/databases.js";

// The MariaDB test server through the mariadb:// url (@mikro-orm/mariadb).
if (MARIADB_URL) runConformanceSuite(databaseTarget("mariadb"));
else test("DatabaseBackend (mariadb://) conformance (skipped: ERRAND_TEST_MARIADB_URL is not set)", (t) => t.pass());

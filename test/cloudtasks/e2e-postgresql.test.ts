/** End to end through the local Cloud Tasks server, on a fresh PostgreSQL database (ERRAND_TEST_PG_URL). */
import test from "ava";
import { PG_URL } from "../helpers/databases.js";
import { registerEndToEnd } from "./e2e-scenarios.js";

if (PG_URL) registerEndToEnd("postgresql");
else test("Cloud Tasks end to end on PostgreSQL (skipped: ERRAND_TEST_PG_URL is not set)", (t) => t.pass());

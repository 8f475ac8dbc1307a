import test from "ava";
import { storePortSuite } from "../../worker/store-suite.js";
import { databaseStoreHarness } from "./store-port-harness.js";

// The database store on a fresh SQLite file per check, through the port's contract.
storePortSuite(test, () => databaseStoreHarness("sqlite"));

import { databaseTarget } from "../../conformance/database-targets.js";
import { runUniqueSuite } from "../../conformance/unique-suite.js";

const target = databaseTarget("sqlite");
runUniqueSuite(target);

import { runConformanceSuite } from "../../conformance/suite.js";
import { databaseTarget } from "../../conformance/database-targets.js";

runConformanceSuite(databaseTarget("sqlite"));

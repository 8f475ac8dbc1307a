/** End to end through the local Cloud Tasks server, on a fresh SQLite file. */
import { registerEndToEnd } from "./e2e-scenarios.js";

registerEndToEnd("sqlite");

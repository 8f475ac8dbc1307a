/**
 * The backend-neutral conformance suite on CloudTasksBackend (SQLite), with a recording-only local
 * Cloud Tasks server: a CloudTasksBackend is a DatabaseBackend in every observable way; the suite's
 * worker drains it.
 */
import { CloudTasksBackend } from "../../backends/cloudtasks/index.js";
import { Worker } from "../../backends/database/index.js";
import { runConformanceSuite } from "../conformance/suite.js";
import type { ConformanceTarget } from "../conformance/targets.js";
import { freshDatabase, type TestDatabase } from "../helpers/databases.js";
import { LocalCloudTasks } from "./local-cloud-tasks.js";

let db: TestDatabase | undefined;
let local: LocalCloudTasks | undefined;

const target: ConformanceTarget = {
  name: "CloudTasksBackend (SQLite)",
  BACKEND: CloudTasksBackend,
  runsAtEnqueue: false,
  async setup() {
    db = await freshDatabase("sqlite");
    local = await LocalCloudTasks.start({ dispatch: false });
    target.OPTIONS = { url: db.url, project: "test-project", location: "europe-west1", handlerUrl: "https://app.example.com", client: local.client() };
  },
  async teardown() {
    await local?.close();
    await db?.drop();
  },
  async drain() {
    await new Worker({ batch: true }).run();
  },
};

runConformanceSuite(target);

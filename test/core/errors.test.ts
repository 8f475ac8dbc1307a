/**
 * The error classes errand throws on purpose: each extends ErrandError, carries its fields, and is
 * exported from the root entry.
 */
import test from "ava";
import { ErrandError, InvalidOptionError, MissingPeerError, TaskNotRegisteredError } from "../../src/index.js";

test("MissingPeerError names the package and the feature, with the npm install line by default", (t) => {
  const cause = new Error("Cannot find package 'hono'");
  const error = new MissingPeerError({ packageName: "hono", feature: "createTasksApp" }, { cause });
  t.true(error instanceof ErrandError);
  t.is(error.name, "MissingPeerError");
  t.is(error.message, "createTasksApp needs hono: npm install hono");
  t.is(error.packageName, "hono");
  t.is(error.feature, "createTasksApp");
  t.is(error.cause, cause);
  t.is(new MissingPeerError({ packageName: "jose", feature: "verifyCloudTasksOidc", message: "custom" }).message, "custom");
});

test("InvalidOptionError is an ErrandError naming the option, deliberately not a RangeError", (t) => {
  const error = new InvalidOptionError("batchSize", "batchSize must be a whole number >= 1; got 0.");
  t.true(error instanceof ErrandError);
  t.false(error instanceof RangeError);
  t.is(error.name, "InvalidOptionError");
  t.is(error.option, "batchSize");
  t.is(error.message, "batchSize must be a whole number >= 1; got 0.");
});

test("TaskNotRegisteredError names the task, the result when given, and the fix", (t) => {
  const error = new TaskNotRegisteredError("ghost.task", "abc");
  t.true(error instanceof ErrandError);
  t.is(error.taskName, "ghost.task");
  t.is(error.resultId, "abc");
  t.is(error.message, "Task 'ghost.task' (result abc) is not defined in this process: import the module that defines it (or list it in errand.config's tasks).");
  t.regex(new TaskNotRegisteredError("ghost.task").message, /^Task 'ghost\.task' is not defined in this process/);
});

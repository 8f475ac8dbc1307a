import test from "ava";
import { FakeClock, MemoryStore } from "../helpers/memory-store.js";
import { storePortSuite } from "./store-suite.js";
import { recordToResult } from "../../src/worker/record-to-result.js";

// The toy store through the port's contract: time is a fake clock, moved only by `elapse`.
storePortSuite(test, async () => {
  const clock = new FakeClock();
  const store = new MemoryStore(clock);
  return { store, now: clock.now, seed: async (task) => store.add(task).id, elapse: async (ms) => clock.advance(ms) };
});

test("a claimed record and a stored record both become TaskResults with the record's own options", async (t) => {
  const store = new MemoryStore();
  const seeded = store.add({ taskPath: "memory.undefined-task", queueName: "mail", priority: 7, args: ["x"] });
  const [claimed] = await store.claim({ workerId: "w", taskNames: [seeded.taskPath], queues: null, excludeQueues: [], limit: 1, leaseMs: 1000 });
  if (!claimed || "unreadable" in claimed) return t.fail("expected a readable claim");
  const running = recordToResult(claimed);
  t.like(running, { id: seeded.id, status: "RUNNING", attempts: 1, finishedAt: null, args: ["x"], backend: "default" });
  t.like(running.task, { name: "memory.undefined-task", queueName: "mail", priority: 7 });
  t.throws(() => running.task.func(), { message: /is not defined in this process/ });
  await store.storeOutcomes("w", [{ id: seeded.id, status: "SUCCESSFUL", returnValue: 42, endedAt: new Date(5) }]);
  const done = recordToResult((await store.get(seeded.id))!);
  t.is(done.returnValue, 42);
  t.deepEqual(done.finishedAt, new Date(5));
});

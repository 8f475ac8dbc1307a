// Unique tasks on the tests' in-memory store (test/helpers/memory-unique.ts): the SQL stores' rules,
// with the store's fake clock driving uniqueFor.
import test from "ava";
import { configureTasks, task, taskBackends } from "../../src/index.js";
import { MemoryBackend } from "../helpers/memory-backend.js";
import { FakeClock, MemoryStore } from "../helpers/memory-store.js";

const clock = new FakeClock();
const store = new MemoryStore(clock);
const memUnique = task({ name: "mem.unique" }, function memUnique(x: number) {
  return x;
});

test.before(() => {
  configureTasks({ default: { BACKEND: MemoryBackend, QUEUES: [], OPTIONS: { store } } });
});
test.after.always(() => taskBackends.close());

const claimAll = () => store.claim({ workerId: "w", taskNames: [memUnique.name], queues: null, excludeQueues: [], limit: 100, leaseMs: 60_000 });
const succeed = (id: string) => store.storeOutcomes("w", [{ id, status: "SUCCESSFUL", returnValue: null, endedAt: clock.now() }]);

test.serial("skip returns the holder while READY or RUNNING; a finished holder lets go", async (t) => {
  const a = await memUnique.using({ uniqueKey: "a" }).enqueue(1);
  t.is((await memUnique.using({ uniqueKey: "a" }).enqueue(2)).id, a.id);
  const [claimed] = await claimAll();
  t.is(claimed?.id, a.id);
  const running = await memUnique.using({ uniqueKey: "a" }).enqueue(3);
  t.is(running.id, a.id);
  t.is(running.status, "RUNNING");
  await succeed(a.id);
  t.not((await memUnique.using({ uniqueKey: "a" }).enqueue(4)).id, a.id);
  await claimAll();
});

test.serial("uniqueFor holds past the finish until the store's clock passes it", async (t) => {
  const held = memUnique.using({ uniqueKey: "b", uniqueFor: 60_000 });
  const a = await held.enqueue(1);
  await claimAll();
  await succeed(a.id);
  clock.advance(59_000);
  t.is((await held.enqueue(2)).id, a.id);
  clock.advance(2_000);
  t.not((await held.enqueue(3)).id, a.id);
  await claimAll();
});

test.serial("replace updates a READY holder in place; a RUNNING one gives up the key", async (t) => {
  const debounced = memUnique.using({ uniqueKey: "c", onConflict: "replace" });
  const a = await debounced.enqueue(1);
  const b = await debounced.enqueue(2);
  t.is(b.id, a.id);
  t.deepEqual((await store.get(a.id))?.args, [2]);
  await claimAll();
  const c = await debounced.enqueue(3);
  t.not(c.id, a.id);
  t.is((await memUnique.using({ uniqueKey: "c" }).enqueue(4)).id, c.id);
});

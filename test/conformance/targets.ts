/**
 * What the conformance suite needs to know about a backend. One target per backend; each backend's
 * test file calls `runConformanceSuite(target)` (see ./suite.ts).
 */
import { DummyBackend } from "../../backends/dummy/index.js";
import { ImmediateBackend } from "../../backends/immediate/index.js";
import type { TaskBackendClass } from "../../src/index.js";

export interface ConformanceTarget {
  /** Shown in every test title, e.g. "DummyBackend" or "DatabaseBackend (SQLite)". */
  name: string;
  /**
   * The backend class, configured as the `default` alias with `QUEUES: ["default", "reports"]`.
   * The suite also constructs it once, synchronously, when it registers its tests, to read the
   * capability flags that decide which tests are skipped: the constructor must not connect.
   */
  BACKEND: TaskBackendClass;
  /**
   * The backend's `OPTIONS`. Read after `setup()` resolved, so `setup` may assign it (e.g. the URL
   * of the fresh database it created).
   */
  OPTIONS?: Record<string, unknown>;
  /** Runs once before any test of the suite, before `configureTasks` (e.g. create a fresh database). */
  setup?(): Promise<void>;
  /** Runs once after every test, after the backends were closed (e.g. delete the database). */
  teardown?(): Promise<void>;
  /**
   * Runs every due task to completion (e.g. the database worker in batch mode), in this process,
   * so that the signals it sends are seen by the suite. Undefined for backends that never run tasks
   * (Dummy) or run them during `enqueue` (Immediate).
   */
  drain?(): Promise<void>;
  /** Whether `enqueue` runs the task and returns it finished (ImmediateBackend). */
  runsAtEnqueue: boolean;
}

/** DummyBackend: stores, never runs. */
export const dummyTarget: ConformanceTarget = {
  name: "DummyBackend",
  BACKEND: DummyBackend,
  runsAtEnqueue: false,
};

/** ImmediateBackend: runs each task during enqueue. */
export const immediateTarget: ConformanceTarget = {
  name: "ImmediateBackend",
  BACKEND: ImmediateBackend,
  runsAtEnqueue: true,
};

/** The admin list's query string: filters, page, and the notice left by an action. */
import { isTaskResultStatus } from "../../src/task-result-status.js";
import type { TaskFilter } from "../../src/worker/index.js";

/** Query-string keys of the list's filters. */
export const FILTER_KEYS = ["status", "queue", "backend", "task", "q"] as const;
const MAX_LENGTH = 255;

/** What the list page was asked for. */
export interface ListParams {
  filter: TaskFilter;
  page: number;
  /** The filters as a query string (no page), for links and to come back after an action. */
  query: URLSearchParams;
}

function text(value: string | undefined): string | undefined {
  // NUL cannot be stored in either database's text: drop it rather than fail the page.
  const v = value?.replaceAll("\u0000", "").trim();
  return v ? v.slice(0, MAX_LENGTH) : undefined;
}

/** Reads the list's parameters; unknown statuses and empty values are ignored. */
export function parseListParams(get: (key: string) => string | undefined): ListParams {
  const status = text(get("status"));
  const filter: TaskFilter = {
    ...(status && isTaskResultStatus(status) && { status }),
    ...(text(get("queue")) && { queueName: text(get("queue")) }),
    ...(text(get("backend")) && { backendName: text(get("backend")) }),
    ...(text(get("task")) && { taskPath: text(get("task")) }),
    ...(text(get("q")) && { search: text(get("q")) }),
  };
  const query = new URLSearchParams();
  for (const key of FILTER_KEYS) {
    const v = key === "status" ? filter.status : text(get(key));
    if (v) query.set(key, v);
  }
  const page = Number.parseInt(get("page") ?? "1", 10);
  return { filter, page: Number.isFinite(page) && page >= 1 ? Math.min(page, 1_000_000) : 1, query };
}

/** Keeps only the filter keys of a query string sent back by a form (`back`). */
export function cleanBackQuery(back: string | undefined): URLSearchParams {
  const given = new URLSearchParams((back ?? "").replace(/^\?/, "").slice(0, 2000));
  const kept = new URLSearchParams();
  for (const key of [...FILTER_KEYS, "page"]) {
    const v = given.get(key);
    if (v) kept.set(key, v.replaceAll("\u0000", "").slice(0, MAX_LENGTH));
  }
  return kept;
}

/** The notice shown after an action, read from the redirect's query string. */
export interface Notice {
  kind: "ok" | "warn";
  text: string;
}

function count(get: (key: string) => string | undefined, key: string): number {
  const n = Number.parseInt(get(key) ?? "0", 10);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** Builds the notice from `done=run|retry|cancel|purge|none` and its counts; only fixed wording, never echoed text. */
export function readNotice(get: (key: string) => string | undefined): Notice | null {
  const done = get("done");
  const ok = count(get, "ok");
  const failed = count(get, "failed");
  const skipped = count(get, "skipped");
  const parts = (okWord: string, failWord: string, skipWord: string) =>
    [ok && `${ok} ${okWord}`, failed && `${failed} ${failWord}`, skipped && `${skipped} ${skipWord}`].filter(Boolean).join(", ") || "nothing to do";
  switch (done) {
    case "run":
      return { kind: failed || (!ok && skipped) ? "warn" : "ok", text: `Run selected: ${parts("succeeded", "failed", "skipped (not READY or not runnable here)")}.` };
    case "retry":
      return { kind: failed || (!ok && skipped) ? "warn" : "ok", text: `Retry selected: ${parts("succeeded", "failed again", "skipped (not FAILED or not runnable here)")}.` };
    case "cancel":
      return { kind: failed || (!ok && skipped) ? "warn" : "ok", text: `Cancel selected: ${parts("cancelled", "could not be cancelled", "skipped (already finished)")}.` };
    case "purge":
      return { kind: "ok", text: `Purge: deleted ${count(get, "deleted")} finished task(s).` };
    case "none":
      return { kind: "warn", text: "No tasks were selected." };
    default:
      return null;
  }
}

/**
 * BullMQ and ioredis are optional peers: loaded on first use (never when `errand` or this subpath is
 * imported), and a missing one fails with one ErrandError naming the install line.
 */
import type * as BullMQ from "bullmq";
import type * as IORedis from "ioredis";
import { ErrandError } from "../../src/errors.js";
import { importOptional } from "../../src/optional-import.js";

/** The two packages the BullMQ store needs. */
export interface BullMQPeers {
  bullmq: typeof BullMQ;
  ioredis: typeof IORedis;
}

/** The install line a missing peer names. */
export const INSTALL_LINE = "npm install errand bullmq";

let loading: Promise<BullMQPeers> | undefined;

/**
 * Loads `bullmq` and `ioredis` once per process.
 * @throws ErrandError naming {@link INSTALL_LINE} when either is not installed (the cause is Node's error).
 */
export function loadBullMQ(): Promise<BullMQPeers> {
  loading ??= (async () => {
    const [bullmq, ioredis] = await Promise.all([importOptional(() => import("bullmq")), importOptional(() => import("ioredis"))]);
    const missing = bullmq instanceof Error ? bullmq : ioredis instanceof Error ? ioredis : undefined;
    if (missing) {
      throw new ErrandError(`errand/backends/bullmq needs BullMQ (and its ioredis): ${INSTALL_LINE}.`, { cause: missing });
    }
    return { bullmq: bullmq as typeof BullMQ, ioredis: ioredis as typeof IORedis };
  })();
  // A failed load is not cached: installing the package and retrying works without a restart.
  loading.catch(() => (loading = undefined));
  return loading;
}

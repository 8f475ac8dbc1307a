export { BullMQBackend } from "./bullmq-backend.js";
export { BullMQStore, BULLMQ_STORE_CAPABILITIES } from "./bullmq-store.js";
export { type BullMQBackendOptions, BULLMQ_DEFAULTS } from "./options.js";
export { toBullPriority, fromBullPriority } from "./priority.js";
export { RedisUnavailableError } from "./connection.js";

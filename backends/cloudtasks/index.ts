export { CloudTasksBackend } from "./cloud-tasks-backend.js";
export { type CloudTasksBackendOptions, CLOUD_TASKS_DEFAULTS } from "./options.js";
export { type CloudTasksClientLike, type CreateTaskRequest } from "./client.js";
export { verifyCloudTasksOidc, GOOGLE_JWKS_URI, GOOGLE_ISSUERS, type VerifyCloudTasksOidcOptions } from "./verify-oidc.js";
export { detectGcpProject, detectGcpLocation, detectTaskHandlerHost, isCloudRun, isAppEngine } from "./detect.js";
export { type MetadataOptions } from "./metadata.js";
export { DISPATCH_DEADLINE_BOUNDS } from "./task-request.js";

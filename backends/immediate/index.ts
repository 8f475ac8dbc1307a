export { ImmediateBackend } from "./immediate-backend.js";

export { ImmediateBackend } from "../../src/backends/immediate-backend.js";

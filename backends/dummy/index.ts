export { DummyBackend } from "../../src/backends/dummy-backend.js";

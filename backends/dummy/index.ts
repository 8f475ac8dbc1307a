export { DummyBackend } from "./dummy-backend.js";

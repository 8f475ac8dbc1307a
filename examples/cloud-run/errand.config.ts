/** For the CLI: `errand migrate` (a deploy step) and `errand worker --batch` (a sweeper job). */
import { defineConfig } from "errand";
import { TASKS } from "./config.js";
import { buildReport, sendWelcomeEmail } from "./tasks.js";

export default defineConfig({ TASKS, tasks: [sendWelcomeEmail, buildReport] });

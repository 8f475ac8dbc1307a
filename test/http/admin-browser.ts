/**
 * The admin page served on 127.0.0.1 and Debian's headless Chromium (through playwright-core) to look
 * at it: what every browser test starts before its tests and closes after them. Screenshots go to
 * {@link ARTIFACTS} (gitignored).
 */
import { existsSync, mkdirSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import test from "ava";
import { chromium, type Browser } from "playwright-core";
import { createTasksApp } from "../../http/index.js";
import type { TasksAppOptions } from "../../http/options.js";
import { captureLogs, setUpDatabases, tearDownDatabases } from "./support.js";

/** Where browser tests write their screenshots. */
export const ARTIFACTS = "test-artifacts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export interface AdminBrowser {
  /** The mounted app's url, e.g. `http://127.0.0.1:41234/tasks` (the admin page is `${base}/admin/`). */
  base: string;
  browser: Browser;
  /** Closes the browser, then the server. */
  close(): Promise<void>;
}

/**
 * Serves `createTasksApp(options)` under `/tasks` on a free port and launches Chromium.
 * @throws Error naming the apt-get line when Chromium is not installed.
 */
export async function startAdminBrowser(options: TasksAppOptions): Promise<AdminBrowser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (never npx playwright install)`);
  const app = new Hono();
  app.route("/tasks", createTasksApp(options));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tasks`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"],
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    base,
    browser,
    close: async () => {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A browser test file's running admin page and Chromium (see {@link useAdminBrowser}). */
export interface AdminBrowserUse {
  /** The browser; read it in tests (it exists once the `before` hook has run). */
  readonly browser: Browser;
  /** The mounted app's url, as {@link AdminBrowser.base}. */
  readonly base: string;
}

/**
 * What every browser test file does around its tests: `before`, capture logs, set up the test
 * databases and {@link startAdminBrowser}; `after.always`, `beforeClose` (e.g. release a task the
 * tests left waiting), close the browser and the server, tear the databases down.
 */
export function useAdminBrowser(options: TasksAppOptions, beforeClose?: () => void): AdminBrowserUse {
  let admin: AdminBrowser | undefined;
  test.before(async () => {
    captureLogs();
    await setUpDatabases();
    admin = await startAdminBrowser(options);
  });
  test.after.always(async () => {
    beforeClose?.();
    await admin?.close();
    await tearDownDatabases();
  });
  const started = (): AdminBrowser => {
    if (!admin) throw new Error("the admin browser is not started: read it inside tests");
    return admin;
  };
  return {
    get browser() {
      return started().browser;
    },
    get base() {
      return started().base;
    },
  };
}

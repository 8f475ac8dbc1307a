/** The detection functions across the environment variables of Cloud Run and App Engine, and the metadata server. */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import test from "ava";
import { detectGcpLocation, detectGcpProject, detectTaskHandlerHost, isAppEngine, isCloudRun } from "../../backends/cloudtasks/index.js";
import { regionOfZone } from "../../backends/cloudtasks/metadata.js";
import { ErrandError } from "../../src/index.js";

const APP_ENGINE = { GAE_APPLICATION: "s~sample-app", GAE_SERVICE: "default", GAE_VERSION: "20261121t120000", GAE_ENV: "standard" };
const CLOUD_RUN = { K_SERVICE: "api", K_REVISION: "api-00042-xyz", K_CONFIGURATION: "api", PORT: "8080" };

/** A stand-in metadata server: answers `zone` for instance/zone, records the requests' headers; `hang` never answers. */
async function metadataServer(zone: string | null, hang = false): Promise<{ base: string; host: string; requests: { url: string; headers: IncomingHttpHeaders }[]; server: Server }> {
  const requests: { url: string; headers: IncomingHttpHeaders }[] = [];
  const server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", headers: req.headers });
    if (hang) return;
    if (req.headers["metadata-flavor"] !== "Google") return void res.writeHead(403).end("Missing Metadata-Flavor:Google header");
    if (req.url === "/computeMetadata/v1/instance/zone" && zone !== null) return void res.writeHead(200, { "content-type": "application/text" }).end(zone);
    res.writeHead(404).end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base: `http://${host}`, host, requests, server };
}

test("isCloudRun and isAppEngine follow K_SERVICE and GAE_SERVICE/GAE_VERSION", (t) => {
  t.true(isCloudRun(CLOUD_RUN));
  t.false(isAppEngine(CLOUD_RUN));
  t.true(isAppEngine(APP_ENGINE));
  t.false(isCloudRun(APP_ENGINE));
  t.false(isCloudRun({}));
  t.false(isAppEngine({}));
  t.false(isCloudRun({ K_SERVICE: "  " }));
  t.false(isAppEngine({ GAE_SERVICE: "default" }), "GAE_VERSION is needed too");
  t.true(isAppEngine({ GAE_SERVICE: "worker", GAE_VERSION: "v1" }), "flexible environment");
});

/** Runs `fn` with `process.env` changes, restoring the variables afterwards. */
async function withEnv(changes: Record<string, string | undefined>, fn: () => unknown): Promise<void> {
  const saved = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(changes);
  try {
    await fn();
  } finally {
    apply(saved);
  }
}

test.serial("isCloudRun() and friends read process.env by default", async (t) => {
  await withEnv({ K_SERVICE: undefined, GAE_SERVICE: undefined, GAE_VERSION: undefined, GOOGLE_CLOUD_PROJECT: undefined, GAE_APPLICATION: undefined }, async () => {
    t.false(isCloudRun());
    t.is(detectGcpProject(), null);
    process.env.K_SERVICE = "svc";
    process.env.GOOGLE_CLOUD_PROJECT = "from-env";
    t.true(isCloudRun());
    t.is(detectGcpProject(), "from-env");
  });
});

test("detectGcpProject: GOOGLE_CLOUD_PROJECT first, else GAE_APPLICATION without exactly its s~ / e~ prefix", (t) => {
  t.is(detectGcpProject({ GOOGLE_CLOUD_PROJECT: "my-project", GAE_APPLICATION: "s~other" }), "my-project");
  t.is(detectGcpProject({ GAE_APPLICATION: "s~my-project" }), "my-project");
  t.is(detectGcpProject({ GAE_APPLICATION: "e~my-project" }), "my-project");
  // The seed stripped the characters s and ~ (Python's lstrip): "s~sample" became "ample".
  t.is(detectGcpProject({ GAE_APPLICATION: "s~sample" }), "sample");
  t.is(detectGcpProject({ GAE_APPLICATION: "e~eeexample" }), "eeexample");
  t.is(detectGcpProject({ GAE_APPLICATION: "s~s~odd" }), "s~odd", "only one prefix is removed");
  t.is(detectGcpProject({ GAE_APPLICATION: "sample" }), "sample", "no prefix: unchanged");
  t.is(detectGcpProject({ GAE_APPLICATION: "x~sample" }), "x~sample", "only s~ and e~ are partition prefixes here");
  t.is(detectGcpProject({ GAE_APPLICATION: "s~" }), null);
  t.is(detectGcpProject({ GOOGLE_CLOUD_PROJECT: "" }), null);
  t.is(detectGcpProject({}), null);
});

test("detectTaskHandlerHost: App Engine's version host; null elsewhere", (t) => {
  t.is(detectTaskHandlerHost(APP_ENGINE), "20261121t120000-dot-default-dot-sample-app.appspot.com");
  t.is(detectTaskHandlerHost({ ...APP_ENGINE, GOOGLE_CLOUD_PROJECT: "proj-x", GAE_SERVICE: "worker" }), "20261121t120000-dot-worker-dot-proj-x.appspot.com");
  t.is(detectTaskHandlerHost({ ...APP_ENGINE, GAE_APPLICATION: "s~example.com:app" }), null, "domain-scoped project: no such host");
  t.is(detectTaskHandlerHost({}), null);
});

test("detectTaskHandlerHost on Cloud Run asks for handlerUrl instead of guessing", (t) => {
  const error = t.throws(() => detectTaskHandlerHost(CLOUD_RUN), { instanceOf: ErrandError });
  t.regex(error.message, /Cloud Run/);
  t.regex(error.message, /handlerUrl/);
  t.regex(error.message, /'api'/);
});

test("regionOfZone handles Compute Engine and Cloud Run zone names", (t) => {
  t.is(regionOfZone("projects/123456789/zones/europe-west1-b"), "europe-west1");
  t.is(regionOfZone("projects/123456789/zones/us-central1-1"), "us-central1");
  t.is(regionOfZone("projects/1/zones/northamerica-northeast2-a"), "northamerica-northeast2");
  t.is(regionOfZone("projects/1/zones/europe-west10-c"), "europe-west10");
  t.is(regionOfZone("garbage"), null);
  t.is(regionOfZone(""), null);
});

test("detectGcpLocation: CLOUD_RUN_REGION, then GOOGLE_CLOUD_REGION, without asking the metadata server", async (t) => {
  const md = await metadataServer("projects/1/zones/asia-east1-a");
  try {
    t.is(await detectGcpLocation({ env: { CLOUD_RUN_REGION: "europe-west1", GOOGLE_CLOUD_REGION: "us-east1", GCE_METADATA_HOST: md.host } }), "europe-west1");
    t.is(await detectGcpLocation({ env: { GOOGLE_CLOUD_REGION: "us-east1", GCE_METADATA_HOST: md.host } }), "us-east1");
    t.is(md.requests.length, 0);
  } finally {
    md.server.close();
  }
});

test("detectGcpLocation: else the metadata server's zone, asked with Metadata-Flavor: Google (GCE_METADATA_HOST or metadataBaseUrl)", async (t) => {
  const md = await metadataServer("projects/123456789/zones/asia-northeast1-1");
  try {
    t.is(await detectGcpLocation({ env: { GCE_METADATA_HOST: md.host } }), "asia-northeast1");
    t.is(await detectGcpLocation({ env: {}, metadataBaseUrl: `${md.base}/` }), "asia-northeast1");
    t.is(md.requests.length, 2);
    for (const r of md.requests) {
      t.is(r.url, "/computeMetadata/v1/instance/zone");
      t.is(r.headers["metadata-flavor"], "Google");
    }
  } finally {
    md.server.close();
  }
});

test.serial("detectGcpLocation: process.env's GCE_METADATA_HOST is honoured by default", async (t) => {
  const md = await metadataServer("projects/1/zones/me-west1-b");
  try {
    await withEnv({ CLOUD_RUN_REGION: undefined, GOOGLE_CLOUD_REGION: undefined, GCE_METADATA_HOST: md.host }, async () => {
      t.is(await detectGcpLocation(), "me-west1");
    });
  } finally {
    md.server.close();
  }
});

test("detectGcpLocation: null when the metadata server has no zone, answers garbage or is unreachable", async (t) => {
  const none = await metadataServer(null);
  const garbage = await metadataServer("not-a-zone");
  const closed = await metadataServer(null);
  closed.server.close();
  try {
    t.is(await detectGcpLocation({ env: { GCE_METADATA_HOST: none.host } }), null);
    t.is(await detectGcpLocation({ env: { GCE_METADATA_HOST: garbage.host } }), null);
    t.is(await detectGcpLocation({ env: { GCE_METADATA_HOST: closed.host } }), null);
  } finally {
    none.server.close();
    garbage.server.close();
  }
});

test("detectGcpLocation: gives up on a metadata server that does not answer after 2 s", async (t) => {
  const md = await metadataServer("projects/1/zones/us-east4-a", true);
  try {
    const started = Date.now();
    t.is(await detectGcpLocation({ env: { GCE_METADATA_HOST: md.host } }), null);
    // A lower bound only (a timer never fires early): an upper bound would measure the machine's load.
    // That it gives up at all is the point: a metadata server that never answers would hang it otherwise.
    const elapsed = Date.now() - started;
    t.true(elapsed >= 1_900, `gave up after ${elapsed} ms, before its 2 s limit`);
    t.is(md.requests.length, 1);
  } finally {
    md.server.closeAllConnections();
    md.server.close();
  }
});

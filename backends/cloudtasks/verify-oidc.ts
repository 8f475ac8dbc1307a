import { taskBackends } from "../../src/config.js";
import { DEFAULT_TASK_BACKEND_ALIAS } from "../../src/constants.js";
import { ErrandError } from "../../src/errors.js";
import { logger } from "../../src/logger.js";
import type { AuthHook } from "../../http/index.js";
import { CloudTasksBackend } from "./cloud-tasks-backend.js";
import { loadJose } from "./jose-peer.js";

/** Google's public keys for the ID tokens it signs (Cloud Tasks' OIDC tokens among them). */
export const GOOGLE_JWKS_URI = "https://www.googleapis.com/oauth2/v3/certs";

/** The issuers of Google ID tokens. */
export const GOOGLE_ISSUERS = ["https://accounts.google.com", "accounts.google.com"] as const;

/** Options of {@link verifyCloudTasksOidc}. */
export interface VerifyCloudTasksOidcOptions {
  /**
   * The audience (`aud`) tokens must carry; several are accepted as an array.
   * @defaultValue the `oidcAudience` of the CloudTasksBackend `backend` (its option, else its handler
   *   URL's origin). If none can be determined, `verifyCloudTasksOidc` throws: the app must not start
   *   with endpoints open.
   */
  audience?: string | readonly string[];
  /**
   * The service account tokens must belong to (`email` claim, with `email_verified`). Strongly
   * recommended: without it, a Google-signed token of any account for this audience is accepted.
   * @defaultValue the `oidcServiceAccountEmail` of the CloudTasksBackend `backend`
   */
  serviceAccountEmail?: string;
  /** The alias of the CloudTasksBackend to derive `audience` and `serviceAccountEmail` from. @defaultValue `"default"` */
  backend?: string;
  /** Fixed verification keys (a JWKS), instead of fetching Google's: for tests and air-gapped setups. */
  jwks?: { keys: Record<string, unknown>[] };
  /** Where to fetch the keys (cached, refetched for an unknown key id). @defaultValue {@link GOOGLE_JWKS_URI} */
  jwksUri?: string;
  /** Seconds of clock skew tolerated on `exp`, `iat` and `nbf`. @defaultValue 30 */
  clockToleranceSec?: number;
}

function rejection(status: 401 | 503, error: string, bearerError: string | null): Response {
  const challenge = bearerError ? `Bearer realm="errand", error="${bearerError}"` : 'Bearer realm="errand"';
  return new Response(JSON.stringify({ error }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "www-authenticate": challenge },
  });
}

/** Fills `audience` and `serviceAccountEmail` from the backend when they are not given. */
function derive(options: VerifyCloudTasksOidcOptions): { audience: string[]; email: string | undefined } {
  let audience = options.audience === undefined ? [] : typeof options.audience === "string" ? [options.audience] : [...options.audience];
  let email = options.serviceAccountEmail;
  if (audience.length === 0 || email === undefined) {
    const alias = options.backend ?? DEFAULT_TASK_BACKEND_ALIAS;
    let backend: unknown;
    try {
      backend = taskBackends.get(alias);
    } catch (error) {
      if (options.backend !== undefined) throw new ErrandError(`verifyCloudTasksOidc: backend '${alias}': ${(error as Error).message}`, { cause: error });
    }
    if (backend instanceof CloudTasksBackend) {
      if (audience.length === 0 && backend.oidcAudience) audience = [backend.oidcAudience];
      email ??= backend.cloudTasksOptions.oidcServiceAccountEmail;
    } else if (options.backend !== undefined) {
      throw new ErrandError(`verifyCloudTasksOidc: backend '${alias}' is not a CloudTasksBackend.`);
    }
  }
  if (audience.length === 0 || !audience.every((a) => typeof a === "string" && a.trim() !== "")) {
    throw new ErrandError(
      "verifyCloudTasksOidc needs the audience Cloud Tasks' tokens are issued for: pass { audience: \"https://my-service-abc123-ew.a.run.app\" }, " +
        "or configure the CloudTasksBackend first (configureTasks) with OPTIONS.oidcAudience or OPTIONS.handlerUrl. Refusing to serve the endpoints unverified.",
    );
  }
  if (email !== undefined && (typeof email !== "string" || !email.includes("@"))) {
    throw new ErrandError(`verifyCloudTasksOidc: serviceAccountEmail must be an email address; got ${JSON.stringify(email)}.`);
  }
  return { audience, email };
}

/**
 * An `auth` hook for `createTasksApp` that accepts only requests carrying a valid Cloud Tasks OIDC
 * token (`Authorization: Bearer <Google-signed ID token>`): RS256 signature by Google's keys, not
 * expired, issuer `https://accounts.google.com` or `accounts.google.com`, the expected audience, and,
 * when configured, the service account's `email` with `email_verified`. Anything else gets 401 (503
 * when Google's keys cannot be fetched), and nothing runs.
 *
 * @throws ErrandError when no audience is given or derivable from the CloudTasksBackend (the app must
 *   not start with its endpoints open), or for an invalid option; Error when `jose` is not installed.
 * @example
 * ```ts
 * app.route("/tasks", createTasksApp({
 *   auth: verifyCloudTasksOidc({
 *     audience: "https://my-service-abc123-ew.a.run.app",
 *     serviceAccountEmail: "tasks-invoker@my-project.iam.gserviceaccount.com",
 *   }),
 * }));
 * ```
 */
export function verifyCloudTasksOidc(options: VerifyCloudTasksOidcOptions = {}): AuthHook {
  const jose = loadJose();
  const { audience, email } = derive(options);
  const clockTolerance = options.clockToleranceSec ?? 30;
  if (!(Number.isFinite(clockTolerance) && clockTolerance >= 0)) {
    throw new ErrandError(`verifyCloudTasksOidc: clockToleranceSec must be a number of seconds >= 0; got ${String(options.clockToleranceSec)}.`);
  }
  const keys = options.jwks ? jose.createLocalJWKSet(options.jwks as Parameters<typeof jose.createLocalJWKSet>[0]) : jose.createRemoteJWKSet(new URL(options.jwksUri ?? GOOGLE_JWKS_URI));
  if (email === undefined) {
    logger.warn({ audience }, "verifyCloudTasksOidc without serviceAccountEmail: any Google-signed token for this audience is accepted");
  }
  const reject = (request: Request, reason: string, response: Response) => {
    logger.warn({ reason, path: new URL(request.url).pathname }, "Cloud Tasks OIDC token rejected");
    return response;
  };
  return async (request) => {
    const match = /^Bearer[ \t]+([A-Za-z0-9._~+/=-]+)[ \t]*$/i.exec(request.headers.get("authorization") ?? "");
    if (!match) return reject(request, "no bearer token", rejection(401, "Unauthorized", null));
    try {
      const { payload } = await jose.jwtVerify(match[1]!, keys, {
        issuer: [...GOOGLE_ISSUERS],
        audience,
        algorithms: ["RS256"],
        clockTolerance,
        requiredClaims: ["exp", "iat"],
      });
      if (email !== undefined) {
        if (payload.email !== email) return reject(request, `email claim is not ${email}`, rejection(401, "Unauthorized", "invalid_token"));
        if (payload.email_verified !== true && payload.email_verified !== "true") {
          return reject(request, "email not verified", rejection(401, "Unauthorized", "invalid_token"));
        }
      }
      return true;
    } catch (error) {
      const code = String((error as { code?: unknown }).code ?? (error as Error).name);
      if (code === "ERR_JWKS_TIMEOUT" || (error instanceof TypeError && /fetch/i.test(error.message))) {
        return reject(request, `cannot fetch signing keys: ${(error as Error).message}`, rejection(503, "Cannot fetch the token signing keys", null));
      }
      return reject(request, `${code}: ${(error as Error).message}`, rejection(401, "Unauthorized", "invalid_token"));
    }
  };
}

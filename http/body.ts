/** Reading request bodies with a size limit, and the JSON error responses of the endpoints. */

/** Thrown by {@link readBody} when the body is larger than allowed; becomes a 413. */
export class BodyTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`Request body exceeds ${maxBytes} bytes`);
  }
}

/** Thrown for a body that is not a JSON object; becomes a 400 with this message. */
export class BadRequestError extends Error {}

/** Thrown for a body that is not declared `application/json`; becomes a 415 with this message. */
export class UnsupportedMediaTypeError extends Error {}

/** Whether a `Content-Type` header names JSON (`application/json`, with or without parameters). */
export function isJsonType(contentType: string | null): boolean {
  return /^application\/json\s*(;|$)/i.test(contentType ?? "");
}

/**
 * The request body as text, at most `maxBytes` bytes. `Content-Length` is checked first; a body
 * without it (chunked) is counted while it streams, and reading stops as soon as it is too large.
 * @throws BodyTooLargeError when the body is larger than `maxBytes`.
 */
export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = request.headers.get("content-length");
  if (declared !== null && !request.headers.has("transfer-encoding") && Number(declared) > maxBytes) {
    throw new BodyTooLargeError(maxBytes);
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new BodyTooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/**
 * The JSON object in the body; an empty body is `{}` (as in django-database-task). A body must be
 * declared `Content-Type: application/json`: a cross-site page can send `text/plain` with the user's
 * cookies, but not JSON without a CORS preflight.
 * @throws UnsupportedMediaTypeError for a non-empty body of another type.
 * @throws BadRequestError `"Invalid JSON"`, or when the JSON is not an object.
 * @throws BodyTooLargeError from {@link readBody}.
 */
export async function readJsonObject(request: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const text = await readBody(request, maxBytes);
  if (text.trim() === "") return {};
  if (!isJsonType(request.headers.get("content-type"))) throw new UnsupportedMediaTypeError("Content-Type must be application/json");
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BadRequestError("Invalid JSON");
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) throw new BadRequestError("JSON body must be an object");
  return data as Record<string, unknown>;
}

/** A JSON response (`{"error": message}` for errors). */
export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });
}

/** `{"error": message}` with `status`. */
export function jsonError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return jsonResponse({ error: message }, status, headers);
}

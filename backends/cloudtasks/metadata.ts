/**
 * The Google Cloud metadata server (Compute Engine, Cloud Run, App Engine, GKE): one GET with the
 * `Metadata-Flavor: Google` header and a short timeout, never throwing.
 */

/** Where the metadata server answers by default. */
export const METADATA_DEFAULT_BASE_URL = "http://metadata.google.internal";

/** How long a metadata lookup may take. */
export const METADATA_TIMEOUT_MS = 2_000;

/** Options of a metadata lookup. */
export interface MetadataOptions {
  /**
   * The server's base URL. @defaultValue `http://$GCE_METADATA_HOST` when that environment variable is
   * set (the variable Google's client libraries honour), else `http://metadata.google.internal`
   */
  metadataBaseUrl?: string;
  /** Milliseconds before giving up. @defaultValue 2000 */
  timeoutMs?: number;
  /** The environment to read. @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
}

/** The metadata server's base URL for these options. */
export function metadataBaseUrl(options: MetadataOptions = {}): string {
  if (options.metadataBaseUrl) return options.metadataBaseUrl.replace(/\/+$/, "");
  const host = (options.env ?? process.env).GCE_METADATA_HOST?.trim();
  return host ? `http://${host}` : METADATA_DEFAULT_BASE_URL;
}

/**
 * Reads `computeMetadata/v1/<path>` as text.
 * @returns the trimmed value, or `null` when the server is unreachable, slow, or answers non-200.
 */
export async function readMetadata(path: string, options: MetadataOptions = {}): Promise<string | null> {
  const url = `${metadataBaseUrl(options)}/computeMetadata/v1/${path}`;
  try {
    const response = await fetch(url, {
      headers: { "Metadata-Flavor": "Google" },
      signal: AbortSignal.timeout(options.timeoutMs ?? METADATA_TIMEOUT_MS),
      redirect: "error",
    });
    if (response.status !== 200) {
      await response.body?.cancel();
      return null;
    }
    const text = (await response.text()).trim();
    return text === "" ? null : text;
  } catch {
    return null;
  }
}

/**
 * The region of a metadata zone: `projects/123/zones/europe-west1-b` → `europe-west1` (Cloud Run and
 * App Engine report zones such as `europe-west1-1`, handled the same way).
 * @returns `null` when the value does not look like a zone.
 */
export function regionOfZone(zone: string): string | null {
  const name = zone.split("/").pop() ?? "";
  const match = /^([a-z]+-[a-z]+[0-9]+)-[a-z0-9]+$/.exec(name);
  return match?.[1] ?? null;
}

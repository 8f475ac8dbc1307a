/**
 * Test signing keys standing in for Google's: an RSA key whose public half the verifier is given
 * (as a JWKS), and an impostor key with the same key id. Tokens look like Cloud Tasks' OIDC tokens.
 */
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from "jose";

/** The key id both keys claim. */
export const KID = "errand-test-key-1";

/** A signing key and its public JWKS. */
export interface TestKey {
  jwks: { keys: Record<string, unknown>[] };
  sign(payload: JWTPayload, header?: { alg?: string; kid?: string }): Promise<string>;
}

async function testKey(): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: KID, alg: "RS256", use: "sig" };
  return {
    jwks: { keys: [jwk as Record<string, unknown>] },
    sign: (payload, header = {}) =>
      new SignJWT(payload).setProtectedHeader({ alg: header.alg ?? "RS256", kid: header.kid ?? KID, typ: "JWT" }).sign(privateKey),
  };
}

/** The key the verifier trusts. */
export const googleKey = await testKey();
/** A key the verifier does not know, with the same `kid`. */
export const impostorKey = await testKey();

/** The claims of a Cloud Tasks OIDC token; `overrides` replace or (with `undefined`) remove claims. */
export function cloudTasksClaims(audience: string, email: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: "https://accounts.google.com",
    aud: audience,
    azp: "108234567890123456789",
    sub: "108234567890123456789",
    email,
    email_verified: true,
    iat: now,
    exp: now + 3600,
    ...overrides,
  };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete claims[k];
  return claims as JWTPayload;
}

/** A signer for the local Cloud Tasks server: valid tokens from {@link googleKey}. */
export const validSigner = ({ audience, serviceAccountEmail }: { audience: string; serviceAccountEmail: string }) =>
  googleKey.sign(cloudTasksClaims(audience, serviceAccountEmail));

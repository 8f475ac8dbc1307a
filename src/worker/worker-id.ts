import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

/** A default worker id: host, pid and a random suffix, at most 64 characters. */
export function defaultWorkerId(): string {
  return `${hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString("hex")}`;
}

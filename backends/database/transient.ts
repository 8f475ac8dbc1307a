// PostgreSQL SQLSTATEs worth retrying: serialization failure, deadlock, admin/crash shutdown,
// cannot connect now, too many connections, connection exceptions (class 08).
const TRANSIENT_PG_CODES = new Set(["40001", "40P01", "57P01", "57P02", "57P03", "53300", "08000", "08001", "08003", "08004", "08006", "08007"]);
// MySQL/MariaDB errnos worth retrying: deadlock (1213 ER_LOCK_DEADLOCK, InnoDB rolled the transaction
// back), lock wait timeout (1205), server gone/lost (2006, 2013), too many connections (1040),
// server shutdown in progress (1053), query interrupted by a shutdown (1927).
const TRANSIENT_MYSQL_ERRNOS = new Set([1213, 1205, 2006, 2013, 1040, 1053, 1927]);
const TRANSIENT_NODE_CODES = new Set(["PROTOCOL_CONNECTION_LOST", "ER_LOCK_DEADLOCK", "ER_LOCK_WAIT_TIMEOUT", "ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "SQLITE_BUSY", "SQLITE_LOCKED"]);
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /Connection terminated unexpectedly/i,
  /terminating connection/i,
  /the database system is (starting up|shutting down|in recovery mode)/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /database is locked/i,
  /connect ECONNREFUSED/i,
  /Connection closed/i,
];

/** Whether `error` is a database blip worth retrying (connection loss, restart, lock contention). */
export function isTransientDatabaseError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (TRANSIENT_PG_CODES.has(code) || TRANSIENT_NODE_CODES.has(code))) return true;
    const errno = (e as { errno?: unknown }).errno;
    if (typeof errno === "number" && TRANSIENT_MYSQL_ERRNOS.has(errno)) return true;
    const message = (e as { message?: unknown }).message;
    if (typeof message === "string" && TRANSIENT_MESSAGES.some((re) => re.test(message))) return true;
  }
  return false;
}

/**
 * The one place where errand turns a cron expression into fire times, through croner (no
 * hand-written cron parsing). Every parse uses the same croner options, so that config validation,
 * slot computation and `errand schedules` agree.
 */
import { Cron } from "croner";

/**
 * How errand reads cron expressions with croner:
 * - `mode: "5-or-6-parts"`: `minute hour day month weekday`, or with seconds first
 *   (`second minute hour day month weekday`); a year field (7 parts) is refused. Nicknames such as
 *   `@daily` and `@hourly` are accepted, names such as `MON` and `JAN` too.
 * - `fixedTimeRule: "no-wildcard"`: an expression without `*`, `?` or a step in its second,
 *   minute and hour fields (`30 2 * * *`, `30 1,13 * * *`, `0 9-17 * * *`) is a fixed-time job:
 *   a time that falls in a DST gap runs once, at the first valid time after the gap (02:30 on a
 *   spring-forward day in Europe/Paris runs at 03:00 CEST), and a time that occurs twice (fall back)
 *   runs once, at its first occurrence. Other expressions (`*\/10 * * * *`, `0 * * * *`) are
 *   intervals of real time: they skip times in the gap and run on both passes of a repeated hour,
 *   so "every 10 minutes" keeps running every 10 minutes through a fall-back night (Vixie cron's rule).
 */
const CRON_OPTIONS = { mode: "5-or-6-parts", fixedTimeRule: "no-wildcard" } as const;

/**
 * A croner `Cron` for `pattern` in `timezone`, used only to compute times (no timer is started).
 * @throws TypeError or RangeError from croner when the pattern is not valid, with croner's message
 *   (e.g. `CronPattern: Invalid value for minute: 61`).
 */
export function compileCron(pattern: string, timezone: string): Cron {
  return new Cron(pattern, { ...CRON_OPTIONS, timezone });
}

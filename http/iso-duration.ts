/**
 * A duration in milliseconds as ISO 8601 (`PT0S`, `PT4.25S`, `PT1H2M3S`, `P2DT3H`); negative
 * durations count as 0.
 */
export function isoDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  const days = Math.floor(rest / 86_400_000);
  rest -= days * 86_400_000;
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  let time = "";
  if (hours) time += `${hours}H`;
  if (minutes) time += `${minutes}M`;
  if (seconds || (!days && !time)) time += `${seconds}S`;
  return `P${days ? `${days}D` : ""}${time ? `T${time}` : ""}`;
}

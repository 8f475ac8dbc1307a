/** Progress of a long deletion: a bar on a terminal, plain lines otherwise (logs, CI). */
import cliProgress from "cli-progress";

/** Receives `(done, total)` after each batch; `stop()` when finished. */
export interface ProgressReporter {
  update(done: number, total: number): void;
  stop(): void;
}

/**
 * A reporter writing to `stream` (stderr by default, so stdout keeps only the result): a
 * cli-progress bar when the stream is a terminal, else one line per batch.
 */
export function createProgress(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressReporter {
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream, format: `${label} [{bar}] {percentage}% | {value}/{total} | ETA {eta_formatted}`, hideCursor: true, clearOnComplete: false },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(done, total) {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.setTotal(total);
        bar.update(done);
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  return {
    update(done, total) {
      stream.write(`${label}: ${done}/${total}\n`);
    },
    stop() {},
  };
}

import { SingleBar, Presets } from "cli-progress";

export interface UploadProgress {
  update: (sent: number, total: number) => void;
  stop: () => void;
}

/** An upload progress bar on stderr when it is a terminal; nothing otherwise. */
export function uploadProgress(enabled: boolean): UploadProgress {
  if (!enabled || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    {
      stream: process.stderr,
      format: "uploading {bar} {percentage}% | {sentMB}/{totalMB} MB | {speed} MB/s | ETA {eta_formatted}",
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  let started = false;
  const t0 = Date.now();
  const mb = (n: number) => (n / 1e6).toFixed(1);
  return {
    update: (sent, total) => {
      const payload = { sentMB: mb(sent), totalMB: mb(total), speed: mb(sent / Math.max(0.001, (Date.now() - t0) / 1000)) };
      if (!started) {
        bar.start(total, sent, payload);
        started = true;
      } else {
        bar.update(sent, payload);
      }
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';

/** Thrown when another live process holds the embedded database directory. */
export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly pid: number) {
    super(
      `Thư mục dữ liệu ${dataDir} đang được tiến trình ${pid} sử dụng (máy chủ provdata đang chạy?). ` +
        `Dừng máy chủ trước, hoặc dùng API của máy chủ đang chạy.\n` +
        `The data directory ${dataDir} is in use by process ${pid} (is the provdata server running?). ` +
        `Stop it first, or use the running server's API.`,
    );
    this.name = 'DataDirLockedError';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the exclusive lock on an embedded data directory. PGlite is one process's database:
 * opening its files from two processes corrupts them, so the second opener must refuse.
 * A lock left by a dead process is taken over. Returns the release function.
 * @throws DataDirLockedError when a live process holds it.
 */
export function lockDataDir(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, 'provdata.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(file, 'utf8') === String(process.pid)) unlinkSync(file);
        } catch {
          /* already gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8').trim());
      if (pid && pid !== process.pid && alive(pid)) throw new DataDirLockedError(dataDir, pid);
      unlinkSync(file); // stale: its owner died without releasing
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

import * as fs from 'node:fs';
import * as path from 'node:path';

const FILE = 'last-sync.json';
/** At most one write per this interval: the age is then known to within it after a restart. */
const WRITE_EVERY_MS = 5000;

/**
 * When the flag snapshot in the backup directory was last confirmed by the source. unleash-client
 * rewrites its backup file only when flags change, so the file's own time says nothing about the
 * last successful sync; this marker does. After a restart while the source is down, the served
 * snapshot's age (switchboard_flag_source_age_seconds) is the marker's age, not "never synced".
 */
export class SyncMarker {
  private writtenAt = 0;

  constructor(private readonly dir: string) {}

  /** The last recorded sync, or null (no marker, no backup, or unreadable). */
  read(backupExists: boolean): Date | null {
    if (!backupExists) return null;
    try {
      const raw = JSON.parse(fs.readFileSync(path.join(this.dir, FILE), 'utf8')) as {
        at?: unknown;
      };
      const at = typeof raw.at === 'string' ? new Date(raw.at) : null;
      return at && !Number.isNaN(at.getTime()) && at.getTime() <= Date.now() ? at : null;
    } catch {
      return null;
    }
  }

  /** Records a sync (throttled); a failed write only costs precision, never a request. */
  note(at: Date): void {
    if (at.getTime() - this.writtenAt < WRITE_EVERY_MS) return;
    this.writtenAt = at.getTime();
    const file = path.join(this.dir, FILE);
    fs.promises
      .writeFile(`${file}.tmp`, JSON.stringify({ at: at.toISOString() }))
      .then(() => fs.promises.rename(`${file}.tmp`, file))
      .catch(() => undefined);
  }
}

/** True when unleash-client left a backup file in `dir` (what a restart serves from). */
export function hasUnleashBackup(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((f) => f.startsWith('unleash-backup') && f.endsWith('.json'));
  } catch {
    return false;
  }
}

import type { AuditStore, StoredRow } from './auditStore.js';

// `kiosk audit show`: the entries as an inspector reads them. Nothing is checked here (that is
// `kiosk audit verify`); a value that is not what the kiosk writes is shown as found.

/** One entry for an inspector. */
export interface ShownEntry {
  readonly seq: number;
  readonly at: string;
  readonly visit: string | null;
  readonly kind: string;
  /** The parsed payload, or its text when it is not JSON. */
  readonly payload: unknown;
}

/** The entries in sequence order, or one visit's. */
export function* shownEntries(store: AuditStore, visit?: string): Generator<ShownEntry> {
  const rows = visit === undefined ? store.rows() : store.rowsOfVisit(visit);
  for (const row of rows) yield shown(row);
}

function shown(row: StoredRow): ShownEntry {
  const text = (value: unknown): string => (typeof value === 'string' ? value : String(value));
  let payload: unknown = row.payload;
  if (typeof row.payload === 'string') {
    try {
      payload = JSON.parse(row.payload);
    } catch {
      payload = row.payload;
    }
  }
  return {
    seq: Number(row.seq),
    at: text(row.at),
    visit: row.visit === null ? null : text(row.visit),
    kind: text(row.kind),
    payload,
  };
}

/** One line of the readable table: seq, time, visit, kind, then the payload as compact JSON. */
export function entryLine(entry: ShownEntry): string {
  const payload = typeof entry.payload === 'string' ? entry.payload : JSON.stringify(entry.payload);
  return [
    String(entry.seq).padStart(6),
    entry.at.padEnd(24),
    (entry.visit ?? '-').padEnd(36),
    entry.kind.padEnd(15),
    payload,
  ].join('  ');
}

/** The readable table's heading, aligned with entryLine. */
export const entryHeading = [
  'seq'.padStart(6),
  'at'.padEnd(24),
  'visit'.padEnd(36),
  'kind'.padEnd(15),
  'payload',
].join('  ');

import type Database from 'better-sqlite3';

/**
 * Migrations of the embedded state store, in order: `PRAGMA user_version` is how many have run.
 * Add a new entry for every change; never edit one that has shipped (tests build databases of
 * earlier versions from them).
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE processed (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL -- epoch ms: compared as numbers, whatever ISO spelling the caller used
  );
  CREATE INDEX processed_expires_at ON processed (expires_at);

  CREATE TABLE observed (
    key TEXT PRIMARY KEY, -- resourceKey(): Azure ids lower-cased
    cloud TEXT NOT NULL,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    region TEXT NOT NULL,
    state TEXT, -- JSON; NULL when the resource does not exist
    event_time TEXT NOT NULL,
    event_id TEXT NOT NULL
  );
  CREATE INDEX observed_scope_kind ON observed (cloud, account, kind);

  CREATE TABLE findings (
    fingerprint TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    cloud TEXT NOT NULL,
    account TEXT NOT NULL,
    kind TEXT NOT NULL,
    resource_key TEXT NOT NULL,
    json TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    resolved_at TEXT
  );
  CREATE INDEX findings_resource ON findings (resource_key, status);
  CREATE INDEX findings_scope ON findings (cloud, account, status);

  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, -- insertion order is delivery order
    sink TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    finding TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL
  );
  `,
  // Outbox entries are pending (sent when due) or rejected (kept for `outbox list`, sent again only when redriven).
  `
  ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'rejected'));
  ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER; -- epoch ms; NULL: due now
  CREATE INDEX outbox_state_created ON outbox (state, created_at, id);
  `,
  // Many workers on one file: event ids are claimed (in progress, then done), outbox entries leased
  // (the lease ends at next_attempt_at), and each sink's recent sends kept for its shared rate limit.
  `
  ALTER TABLE processed ADD COLUMN status TEXT NOT NULL DEFAULT 'done' CHECK (status IN ('in-progress', 'done'));
  ALTER TABLE processed ADD COLUMN owner TEXT;
  ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
  CREATE INDEX outbox_sink_state_created ON outbox (sink, state, created_at, id);
  CREATE TABLE send_slots (
    sink TEXT PRIMARY KEY,
    sent TEXT NOT NULL -- JSON array of epoch ms, the sends still inside the window
  );
  `,
  // Each finding's rule, so that an event reads only the open findings it can change: those under rules
  // judged item by item on the items it changed (by fingerprint), and those under any other rule (core/ports.ts, FindingSelection).
  `
  ALTER TABLE findings ADD COLUMN rule TEXT;
  UPDATE findings SET rule = json_extract(json, '$.rule');
  CREATE INDEX findings_resource_rule ON findings (resource_key, status, rule);
  `,
  // Observed state element by element (sqlite-observed.ts): each top-level array of a resource (routes, records,
  // subnets) one row per element, so that an event writes the elements it changed, not the whole resource;
  // `observed.state` keeps the rest, each such array as [] (its place among the fields). `rev` tells a process
  // whether what it cached of a resource is still what the file has: a new value from `observed_revision` on every
  // write. A row with rev 0 holds the whole document in `state` (written before this migration, or by an older
  // netdrift still running on the file); it is read as such, and moves to the new layout when next written.
  `
  ALTER TABLE observed ADD COLUMN rev INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE observed_items (
    resource_key TEXT NOT NULL,
    field TEXT NOT NULL,
    seq REAL NOT NULL, -- the element's place in its array; an element put between two others gets a value between theirs
    item TEXT NOT NULL, -- JSON
    PRIMARY KEY (resource_key, field, seq)
  ) WITHOUT ROWID;
  CREATE TABLE observed_revision (value INTEGER NOT NULL);
  INSERT INTO observed_revision (value) VALUES (0);
  `,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings a database up to `SCHEMA_VERSION`, each migration in its own transaction. */
export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new Error(`state store schema version ${current} is newer than this netdrift (${SCHEMA_VERSION}): upgrade netdrift`);
  }
  for (let version = current; version < SCHEMA_VERSION; version += 1) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version] ?? '');
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
}

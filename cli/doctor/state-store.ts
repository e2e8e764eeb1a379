import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../../adapters/local/sqlite-schema.js';
import { oneLine } from '../../core/errors.js';
import type { StateStore } from '../../core/ports.js';
import { openSnapshotStore } from '../snapshot-store-url.js';
import { UsageError } from '../usage.js';
import { fail, failFrom, ok, type Check } from './report.js';

/** Where the deployed functions keep their state, as `--state` names it for `doctor`. */
export const STATE_FORMS = 'a SQLite file, dynamodb://TABLE, aztable://ACCOUNT/TABLE, firestore://PROJECT[/DATABASE][?prefix=P]';

export interface StateCheckOptions {
  /** `--state`, else the config's SQLite file. */
  location: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** AWS: the DynamoDB client's region and endpoint (`--region`, `--endpoint`). */
  region?: string;
  endpoint?: string;
}

/** DynamoDB table names: 3-255 of letters, digits, `_`, `-`, `.` (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.NamingRulesDataTypes.html). */
const DYNAMODB_TABLE = /^[A-Za-z0-9_.-]{3,255}$/;
const AZURE_ACCOUNT = /^[a-z0-9]{3,24}$/;
/** Table names: 3-63 letters and digits, a letter first (the Azure functions' NETDRIFT_STATE_TABLE). */
const AZURE_TABLE = /^[A-Za-z][A-Za-z0-9]{2,62}$/;

/** A cloud state store and how to let go of its client's connections. */
interface OpenedState {
  store: StateStore;
  close?: () => Promise<void>;
}

function code(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? oneLine(error);
}

/** `folder` or its nearest ancestor that exists: where the first write would create the rest. */
async function nearestFolder(folder: string): Promise<string> {
  for (let current = folder; ; current = dirname(current)) {
    if (await stat(current).then((info) => info.isDirectory(), () => false)) return current;
    if (dirname(current) === current) return current;
  }
}

/**
 * The embedded store, opened read-only: a missing file is fine when the nearest folder that exists
 * is writable (the first `serve` or `replay --state` creates it, folders too); nothing is created here.
 */
async function checkSqlite(location: string, cwd: string): Promise<Check> {
  const path = isAbsolute(location) ? location : resolve(cwd, location);
  const info = await stat(path).catch((error: unknown) => error as NodeJS.ErrnoException);
  if (info instanceof Error) {
    if (info.code !== 'ENOENT') return fail('state', location, `cannot read (${code(info)})`, 'fix the path or its permissions, or set state in the config (--state)');
    const folder = await nearestFolder(dirname(path));
    const writable = await access(folder, constants.W_OK).then(() => undefined, (error: unknown) => error as NodeJS.ErrnoException);
    if (writable === undefined) return ok('state', location, 'SQLite: no file yet (the first serve or replay --state creates it)');
    return fail('state', location, `SQLite: no file, and ${folder} is not writable (${code(writable)})`,
      'set state in the config (--state) to a path in a writable folder, or fix the folder\'s permissions');
  }
  if (!info.isFile()) return fail('state', location, 'not a file (a folder?)', 'set state in the config (--state) to the SQLite file, e.g. .netdrift/state.sqlite');
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      return fail('state', location, `SQLite schema v${version} is newer than this netdrift's (v${SCHEMA_VERSION})`, 'upgrade netdrift, or point --state at this version\'s file');
    }
    if (version === 0) return fail('state', location, 'SQLite file holds no netdrift state (schema v0)', 'point --state at netdrift\'s state file, or move this file away');
    const open = (db.prepare("SELECT count(*) AS n FROM findings WHERE status = 'open'").get() as { n: number }).n;
    const outbox = (db.prepare('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
    const migrate = version < SCHEMA_VERSION ? `; schema v${version}, migrated to v${SCHEMA_VERSION} on the next write` : '';
    return ok('state', location, `SQLite: ${open} open findings, ${outbox} alerts in the outbox${migrate}`);
  } catch (error) {
    return fail('state', location, `SQLite: cannot read: ${oneLine(error)} (${code(error)})`, 'restore the file from a backup, or move it away to start a new one');
  } finally {
    db?.close();
  }
}

/** `dynamodb://TABLE`: the AWS functions' NETDRIFT_STATE_TABLE. */
async function openDynamoDb(location: string, url: string, options: StateCheckOptions): Promise<OpenedState> {
  if (!DYNAMODB_TABLE.test(location)) throw new UsageError(`--state ${url}: "${location}" is not a DynamoDB table name; expected dynamodb://TABLE`);
  const [{ DynamoDBClient }, { DynamoDbStateStore }] = await Promise.all([
    import('@aws-sdk/client-dynamodb'), import('../../adapters/aws/dynamodb-state-store.js'),
  ]);
  const client = new DynamoDBClient({
    ...(options.region ? { region: options.region } : {}), ...(options.endpoint ? { endpoint: options.endpoint } : {}), maxAttempts: 2,
  });
  return { store: new DynamoDbStateStore({ client, table: location }), close: async () => client.destroy() };
}

/** `aztable://ACCOUNT/TABLE`: the Azure functions' NETDRIFT_STATE_TABLE, with the same credentials as `azblob://`. */
async function openAzureTable(location: string, url: string, options: StateCheckOptions): Promise<OpenedState> {
  const [account = '', table = '', ...rest] = location.split('/');
  if (rest.length > 0 || !AZURE_ACCOUNT.test(account) || !AZURE_TABLE.test(table)) {
    throw new UsageError(`--state ${url}: expected aztable://ACCOUNT/TABLE (a storage account name, then a table name of 3-63 letters and digits)`);
  }
  const { openTableStateStore } = await import('../../adapters/azure/storage-clients.js');
  const connectionString = options.env.AZURE_STORAGE_CONNECTION_STRING;
  return { store: await openTableStateStore(connectionString ? { connectionString } : { accountUrl: `https://${account}.table.core.windows.net` }, table) };
}

/**
 * `firestore://PROJECT[/DATABASE][?prefix=P]`: the GCP functions' collections. The URL is read by
 * the snapshot store's own parser (the same form `--store` takes), then the state store opened on it.
 */
async function openFirestore(_location: string, url: string, options: StateCheckOptions): Promise<OpenedState> {
  const opened = await openSnapshotStore(url, { cwd: options.cwd }).catch((error: unknown) => {
    throw error instanceof UsageError ? new UsageError(oneLine(error).replace(/^--store/, '--state'), { cause: error }) : error;
  });
  const match = /^firestore:\/\/([^/]+)\/([^?]+)\?prefix=(.+)$/.exec(opened.url);
  if (!match?.[1] || !match[2] || !match[3]) throw new UsageError(`--state ${url}: expected firestore://PROJECT[/DATABASE][?prefix=P]`);
  const [{ Firestore }, { FirestoreStateStore }] = await Promise.all([
    import('@google-cloud/firestore'), import('../../adapters/gcp/firestore-state-store.js'),
  ]);
  const firestore = new Firestore({ projectId: match[1], databaseId: match[2], ignoreUndefinedProperties: true });
  return { store: new FirestoreStateStore({ firestore, prefix: match[3] }), close: () => firestore.terminate() };
}

const SCHEMES: Readonly<Record<string, (location: string, url: string, options: StateCheckOptions) => Promise<OpenedState>>> = {
  dynamodb: openDynamoDb,
  aztable: openAzureTable,
  firestore: openFirestore,
};

/** The fix when reading a cloud state store failed for a reason its adapter did not name. */
const READ_FIX = 'check the store exists and these credentials may read it';

/**
 * The state store `--state` names (or the config's SQLite file) opens and answers one read (the
 * outbox), without creating anything. A cloud store's missing table or denied access is the
 * adapter's own operator error, with its fix.
 */
export async function checkStateStore(options: StateCheckOptions): Promise<Check> {
  const { location } = options;
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/(.*)$/s.exec(location);
  if (!match) return checkSqlite(location, options.cwd);
  const open = SCHEMES[match[1]?.toLowerCase() ?? ''];
  if (!open) throw new UsageError(`--state ${location}: unknown scheme "${match[1]}://"; expected ${STATE_FORMS}`);
  const { store, close } = await open(match[2] ?? '', location, options);
  try {
    const outbox = await store.listOutbox();
    const rejected = outbox.filter((entry) => entry.state === 'rejected').length;
    return ok('state', location, `${outbox.length} alerts in the outbox${rejected > 0 ? ` (${rejected} rejected: netdrift outbox list --rejected)` : ''}`);
  } catch (error) {
    return failFrom('state', location, error, READ_FIX);
  } finally {
    await store.close();
    await close?.();
  }
}

import type { BlobSnapshotStore } from './blob-snapshot-store.js';
import type { TableStateStore } from './table-state-store.js';

/**
 * How to reach a storage account: its connection string (Azurite, an account key), or its URL with
 * `DefaultAzureCredential` (a Function App's managed identity; `AZURE_CLIENT_ID` names a
 * user-assigned one; `az login` on a workstation).
 */
export type StorageAccess = { connectionString: string } | { accountUrl: string };

/**
 * The Blob snapshot store of `container` (under `prefix`). The SDKs load here, on first use, not
 * when `adapters/azure` is imported.
 */
export async function openBlobSnapshotStore(access: StorageAccess, container: string, prefix = ''): Promise<BlobSnapshotStore> {
  const [{ BlobServiceClient }, { BlobSnapshotStore: Store }] = await Promise.all([
    import('@azure/storage-blob'), import('./blob-snapshot-store.js'),
  ]);
  const service = 'connectionString' in access
    ? BlobServiceClient.fromConnectionString(access.connectionString)
    : new BlobServiceClient(access.accountUrl, new (await import('@azure/identity')).DefaultAzureCredential());
  return new Store({ container: service.getContainerClient(container), prefix });
}

/**
 * The Table state store on `table`. `accountUrl` is the Table endpoint
 * (`https://<account>.table.core.windows.net`); plain HTTP is allowed only for a connection string
 * (Azurite on loopback).
 */
export async function openTableStateStore(access: StorageAccess, table: string): Promise<TableStateStore> {
  const [{ TableClient }, { TableStateStore: Store }] = await Promise.all([
    import('@azure/data-tables'), import('./table-state-store.js'),
  ]);
  const client = 'connectionString' in access
    ? TableClient.fromConnectionString(access.connectionString, table, { allowInsecureConnection: /DefaultEndpointsProtocol=http;|Endpoint=http:/i.test(access.connectionString) })
    : new TableClient(access.accountUrl, table, new (await import('@azure/identity')).DefaultAzureCredential());
  return new Store({ client });
}

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'node:http';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStateStore } from '../../adapters/aws/dynamodb-state-store.js';
import { SqliteStateStore } from '../../adapters/local/sqlite-state-store.js';
import { MemoryStateStore } from '../../bench/memory-stores.js';
import { describeStateStoreConcurrencyContract } from '../contract/state-store-concurrency-contract.js';
import { describeWithMoto, motoClientConfig } from '../support/moto.js';

// Each worker its own connection: SQLite stores on one file, DynamoDB stores with their own client on one table.
describeStateStoreConcurrencyContract('SqliteStateStore, one file, a connection per worker', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'netdrift-workers-'));
  const opened: SqliteStateStore[] = [];
  return {
    workers: async (count) => {
      for (let i = 0; i < count; i += 1) opened.push(new SqliteStateStore(join(dir, 'state.sqlite')));
      return opened.slice(-count);
    },
    cleanup: async () => {
      await Promise.all(opened.map((store) => store.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describeStateStoreConcurrencyContract('MemoryStateStore, shared by workers in one process', async () => {
  const store = new MemoryStateStore();
  return { workers: async (count) => Array.from({ length: count }, () => store), cleanup: () => store.close() };
});

/**
 * moto_server answers requests on several threads without a lock, so two conditional writes to one
 * item may both pass (DynamoDB itself makes each one atomic). The workers' requests go to it one at
 * a time, interleaved as the workers run: what is tested is our protocol, given DynamoDB's atomicity.
 */
const oneAtATime = { httpAgent: new Agent({ keepAlive: true, maxSockets: 1 }), socketAcquisitionWarningTimeout: 600_000 };

describeWithMoto('DynamoDB on moto', () => {
  describeStateStoreConcurrencyContract('DynamoDbStateStore, a client per worker', async () => {
    const table = `netdrift-workers-${randomUUID()}`;
    const admin = new DynamoDBClient(motoClientConfig());
    await DynamoDbStateStore.createTable(admin, table);
    const clients: DynamoDBClient[] = [];
    return {
      workers: async (count) => Array.from({ length: count }, () => {
        const client = new DynamoDBClient({ ...motoClientConfig(), requestHandler: oneAtATime });
        clients.push(client);
        return new DynamoDbStateStore({ client, table });
      }),
      cleanup: async () => {
        await admin.send(new DeleteTableCommand({ TableName: table }));
        for (const client of [admin, ...clients]) client.destroy();
      },
    };
  });
});

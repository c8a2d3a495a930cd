import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamodb } from './sdk.js';

const { CreateTableCommand, DescribeTableCommand, DescribeTimeToLiveCommand, UpdateTimeToLiveCommand } =
  dynamodb;

/** The TTL attribute: epoch seconds, as DynamoDB TTL requires. */
export const TTL_ATTRIBUTE = 'expiresAtSec';
const ACTIVE_WAIT_MS = 30_000;
const ACTIVE_POLL_MS = 50;

/**
 * Creates the single (pk, sk) table on demand with TTL on `expiresAtSec`, when it is missing; safe to call
 * on every start and from several processes at once. Production tables come from serverless.yml; the local
 * runtime and the tests call this.
 */
export async function ensureTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
): Promise<{ created: boolean }> {
  // The document client forwards plain DynamoDB commands unchanged, so either client will do.
  const base = client as DynamoDBClient;
  let created = false;
  if (!(await describeStatus(base, tableName))) {
    try {
      await base.send(
        new CreateTableCommand({
          TableName: tableName,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
        }),
      );
      created = true;
    } catch (error) {
      // Another process created it first: fine, it is the same table.
      if ((error as Error).name !== 'ResourceInUseException') throw error;
    }
  }
  const deadlineMs = Date.now() + ACTIVE_WAIT_MS;
  while ((await describeStatus(base, tableName)) !== 'ACTIVE') {
    if (Date.now() > deadlineMs) throw new Error(`table ${tableName} did not become ACTIVE within 30 s`);
    await new Promise((resolve) => setTimeout(resolve, ACTIVE_POLL_MS));
  }
  await enableTtl(base, tableName);
  return { created };
}

/** The table's status, or undefined when it does not exist. */
export async function tableStatus(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
): Promise<string | undefined> {
  return describeStatus(client as DynamoDBClient, tableName);
}

async function describeStatus(client: DynamoDBClient, tableName: string) {
  try {
    const out = await client.send(new DescribeTableCommand({ TableName: tableName }));
    return out.Table?.TableStatus;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw error;
  }
}

async function enableTtl(client: DynamoDBClient, tableName: string) {
  try {
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } catch (error) {
    // dynalite implements DescribeTimeToLive but not UpdateTimeToLive, and never expires items anyway;
    // the store hides expired items on read, so local behaviour matches AWS.
    if ((error as Error).name === 'UnknownOperationException') return;
    throw error;
  }
}

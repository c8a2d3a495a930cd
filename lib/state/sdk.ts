/**
 * The AWS SDK's DynamoDB packages, loaded with `require`. They are CommonJS (no `exports` map), and
 * Lambda's runtime provides them: an ESM `import` of them makes Node scan every CommonJS file for its
 * export names (cjs-module-lexer) and wrap it as an ES module, which was over half of the poll bundle's
 * import time (issue 17: ~200 ms against ~80 ms for `require` of the same three packages). `require`
 * also resolves through Lambda's NODE_PATH, where the runtime's SDK lives. Types are the packages' own.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export const dynamodb = load('@aws-sdk/client-dynamodb') as typeof import('@aws-sdk/client-dynamodb');
export const documentClient = load('@aws-sdk/lib-dynamodb') as typeof import('@aws-sdk/lib-dynamodb');
export const dynamodbUtil = load('@aws-sdk/util-dynamodb') as typeof import('@aws-sdk/util-dynamodb');

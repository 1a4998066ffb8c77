// Test helper run as a child process: drains a SqliteQueue file and prints the message ids it got.
import { SqliteQueue } from '../../lib/adapters/queue/sqlite-queue.js';

const [file, name] = process.argv.slice(2);
if (!file || !name) throw new Error('usage: queue-drain-worker <file> <queue>');
const queue = new SqliteQueue({ file });
const ids: string[] = [];
for (;;) {
  const got = await queue.receive(name, { max: 16, visibilityTimeoutSeconds: 600, waitSeconds: 0 });
  if (got.length === 0) break;
  ids.push(...got.map((m) => m.messageId));
  await queue.delete(name, got.map((m) => m.receiptHandle));
}
await queue.close();
process.stdout.write(JSON.stringify(ids));

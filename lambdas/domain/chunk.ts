// Splits a list into parts of at most `size`: batched API calls (DynamoDB, SQS) and the CLI's calls
// of a bounded number of ids.
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

// Matching on the error name rather than the class keeps this independent of which copy of the SDK
// threw it (bundled functions, the local runtime, test fakes).
export function isAwsError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

export function isConditionalCheckFailed(error: unknown): boolean {
  return isAwsError(error, 'ConditionalCheckFailedException');
}

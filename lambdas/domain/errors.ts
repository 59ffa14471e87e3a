// The errors the domain throws for a caller to map: to an HTTP-like answer in the console functions,
// to an exit message in the CLI. Each message names the problem.
export class NotFoundError extends Error {
  override name = 'NotFoundError';
}

export class ConflictError extends Error {
  override name = 'ConflictError';
}

/** Bad input from a caller; the message names the field. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}

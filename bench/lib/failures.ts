// Which receiver responses fail, decided per (webhook-id, arrival number) from a seed: the same
// deliveries fail the same attempts on every run whatever order they arrive in, so the attempts the
// retry policy must make can be predicted exactly beforehand.
import { createHash } from 'node:crypto';

export function failsAttempt(seed: number, webhookId: string, arrival: number, failRate: number): boolean {
  if (failRate <= 0) return false;
  const digest = createHash('sha256').update(`${seed}\u0000${webhookId}\u0000${arrival}`).digest();
  return digest.readUInt32BE(0) / 2 ** 32 < failRate;
}

/** Attempts the policy makes for one delivery: up to the first success, at most `maxAttempts`. */
export function predictedAttempts(
  seed: number,
  webhookId: string,
  failRate: number,
  maxAttempts: number,
): { attempts: number; delivered: boolean } {
  for (let n = 1; n <= maxAttempts; n += 1) if (!failsAttempt(seed, webhookId, n, failRate)) return { attempts: n, delivered: true };
  return { attempts: maxAttempts, delivered: false };
}

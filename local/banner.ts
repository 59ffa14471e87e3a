// What `npm start` prints once it is up: where each endpoint is and copy-paste examples that work
// against this very instance.
import { defaults } from '../lambdas/config';
import { localCredentials, LOCAL_REGION, queueUrlOf, type LocalSettings } from './config';
import { functionArnOf } from './lambda-endpoint';
import { INVOKABLE_FUNCTIONS } from './runtime';

export const RECEIVER_URL = 'http://127.0.0.1:4001/hook';

const SAMPLE_EVENT = JSON.stringify({
  id: 182,
  type: 'donation',
  date: '2026-11-20T08:13:46+01:00',
  version: '2.1.0',
  amount: '10.00 EUR',
  data: { first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.org' },
});

/** Single quotes for a POSIX shell. */
function sh(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export function banner(url: string, settings: LocalSettings): string {
  const s = settings.service;
  const eventsQueue = queueUrlOf(url, 'events');
  const createSubscription = JSON.stringify({ action: 'create', url: RECEIVER_URL, description: 'local demo receiver' });
  const retries =
    `first retry after ${s.RETRY_BASE_DELAY_MS} ms, x${s.RETRY_MULTIPLIER} each time, ${s.MAX_ATTEMPTS} attempts, ` +
    `${s.ATTEMPT_TIMEOUT_MS} ms per attempt`;
  return [
    `crm-webhooks local runtime on ${url} (data in ${settings.dataDir})`,
    `  retries:  ${retries}` +
      (s.RETRY_BASE_DELAY_MS === String(defaults.retryBaseDelayMs) ? ' (shorten with e.g. RETRY_BASE_DELAY_MS=2000)' : ''),
    '',
    'Endpoints',
    `  POST ${url}/events                                   publish one event (the body, as the CRM would)`,
    `  SQS  endpoint ${url}, region ${LOCAL_REGION}, any credentials; queue "events" = ${eventsQueue}`,
    `  Lambda Invoke endpoint ${url}: ${INVOKABLE_FUNCTIONS.map((name) => `${name} (${functionArnOf(name)})`).join(', ')}`,
    `  GET  ${url}/health                                   queue depths; a warning while a dead-letter queue holds messages`,
    `  GET  ${url}/notifications                            what support would have been notified of`,
    '',
    '1. Start a receiver that prints what arrives (another terminal):',
    '     npm run receiver -- --port 4001',
    '2. Create a subscription pointing at it:',
    `     curl -s ${url}/2015-03-31/functions/subscriptions/invocations -H 'content-type: application/json' -d ${sh(createSubscription)}`,
    '3. Publish an event:',
    `     curl -s ${url}/events -H 'content-type: application/json' -d ${sh(SAMPLE_EVENT)}`,
    '',
    'The same with the support CLI (in this repository, another terminal):',
    `     export CRM_WEBHOOKS_ENDPOINT=${url}`,
    `     npx crm-webhooks subscriptions create --url ${RECEIVER_URL}`,
    '     npx crm-webhooks subscriptions test sub_...      one test event to that subscription only',
    '     npx crm-webhooks publish docs/events/form_submission.json',
    '     npx crm-webhooks console                          the support console in the browser',
    '',
    'The same with the AWS CLI v2 (AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local; ' +
      'AWS CLI v1 has no --cli-binary-format, leave it out there):',
    `     aws --endpoint-url ${url} --region ${LOCAL_REGION} sqs send-message ` +
      `--queue-url ${eventsQueue} --message-body ${sh(SAMPLE_EVENT)}`,
    `     aws --endpoint-url ${url} --region ${LOCAL_REGION} lambda invoke --function-name subscriptions ` +
      `--cli-binary-format raw-in-base64-out --payload ${sh('{"action":"list"}')} /dev/stdout`,
    `and from code: new SQSClient({ endpoint: '${url}', region: '${LOCAL_REGION}', ` +
      `credentials: { accessKeyId: '${localCredentials().accessKeyId}', secretAccessKey: '${localCredentials().secretAccessKey}' } })`,
    '',
    'Ctrl-C stops cleanly; accepted events and pending retries resume at the next start.',
  ].join('\n');
}

// How clients reach the local runtime's AWS APIs: the one region, account and credentials the local
// runtime, the CLI, the bench and the tests use. No imports, so any of them can take these.
export const LOCAL_REGION = 'local';
export const LOCAL_ACCOUNT = '000000000000';
/**
 * The SDKs insist on credentials; nothing checks them locally. A new object each time: a client
 * marks the object it was given (where the credentials came from), so one shared object would carry
 * the marks of every client that used it.
 */
export function localCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: 'local', secretAccessKey: 'local' };
}

/** The command's name, as the user types it and as every message of ours starts. */
export const PROGRAM_NAME = 'crm-webhooks';

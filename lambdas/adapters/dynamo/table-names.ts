import type { TableDefinition } from '../../storage/tables';

/** Physical table names by logical id: chosen by CloudFormation in AWS, by the caller locally. */
export type TableNames = Record<TableDefinition['id'], string>;

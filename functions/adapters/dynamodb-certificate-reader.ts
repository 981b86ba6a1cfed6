// What verification reads of this region's own certificates: a certificate and its status lists. A
// class of its own so that the partner-facing functions (verification, recognition) bundle none of the
// exam, session, marking and notice code of the certification store (every bundle ≤ 300 KB,
// docs/costs.md). The certification store answers the same two reads for the functions that have it.
import type { StatusPurpose } from '../domain/index.js';
import type { CertificateRecord } from '../ports.js';
import { readStatusList, type StatusListRecord } from './dynamodb-status-lists.js';
import { SingleTableStore } from './dynamodb-table.js';

export interface CertificateReader {
  getCertificate(number: string): Promise<CertificateRecord | undefined>;
  statusList(listId: string, purpose: StatusPurpose): Promise<StatusListRecord>;
}

export class DynamoDbCertificateReader extends SingleTableStore implements CertificateReader {
  getCertificate(number: string) {
    return this.get<CertificateRecord>({ pk: `CERT#${number}`, sk: 'CERT' });
  }

  statusList(listId: string, purpose: StatusPurpose): Promise<StatusListRecord> {
    return readStatusList(this.db, this.table, listId, purpose);
  }
}

// The trust registry (partner regions, agreements) and the recognitions this region made, in the
// region's single table. A recognition's id is derived from the certificate, so the conditional put
// makes asking twice, even at the same moment, end in one record.
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Agreement, OpenStatusList, PartnerRegion, StatusPurpose } from '../domain/index.js';
import type { NoticeRecord, SignedStatusList } from '../ports.js';
import {
  readOpenStatusList,
  readStatusList,
  type StatusListRecord,
  signedStatusListWrite,
  statusListWrite,
  takeStatusPosition,
} from './dynamodb-status-lists.js';
import { putNew, SingleTableStore, StateConflict } from './dynamodb-table.js';
import { noticePut } from './notice-items.js';

export interface RecognitionRecord {
  id: string;
  /** The certificate credential's id (its URL at the issuing region). */
  certificateId: string;
  certificateNumber: string;
  issuerDid: string;
  issuerRegion: string;
  holderName: string;
  occupationCode: string;
  level: number;
  agreementId: string;
  /** The machine client that asked. */
  requestedBy: string;
  recognisedAt: string;
  /** The signed EndorsementCredential. */
  endorsement: string;
  endorsementStatus: { listId: string; index: number };
  status: 'active' | 'void';
  voidedAt?: string;
  voidReason?: string;
  /** The revocation notice that voided it. */
  voidedBy?: string;
}

/** A revocation this region heard of by a partner's notice, kept so that later requests see it too. */
export interface ReceivedRevocation {
  certificateId: string;
  certificateNumber: string;
  issuerDid: string;
  noticeId: string;
  revokedAt: string;
  reason: string;
  receivedAt: string;
}

const key = {
  partner: (code: string) => ({ pk: `PARTNER#${code}`, sk: 'PARTNER' }),
  revoked: (certificateId: string) => ({ pk: `REVOKED#${certificateId}`, sk: 'NOTICE' }),
  agreement: (id: string) => ({ pk: `AGREEMENT#${id}`, sk: 'AGREEMENT' }),
  recognition: (id: string) => ({ pk: `RECOGNITION#${id}`, sk: 'RECOGNITION' }),
};

export class DynamoDbRegistryStore extends SingleTableStore {
  // ---- partner regions and agreements (admin-managed) ----

  putPartner(partner: PartnerRegion): Promise<void> {
    return this.put(key.partner(partner.code), partner, { pk: 'PARTNERS', sk: partner.code });
  }

  getPartner(code: string) {
    return this.get<PartnerRegion>(key.partner(code));
  }

  /** Every partner region: a registry holds a few (the regions of one economic zone). */
  listPartners() {
    return this.queryIndex<PartnerRegion>('PARTNERS');
  }

  listPartnersPage(page: { limit: number; nextToken?: string | undefined }) {
    return this.queryPage<PartnerRegion>({ pk: 'PARTNERS', ...page });
  }

  putAgreement(agreement: Agreement): Promise<void> {
    return this.put(key.agreement(agreement.id), agreement, { pk: 'AGREEMENTS', sk: agreement.id });
  }

  getAgreement(id: string) {
    return this.get<Agreement>(key.agreement(id));
  }

  listAgreements() {
    return this.queryIndex<Agreement>('AGREEMENTS');
  }

  listAgreementsPage(page: { limit: number; nextToken?: string | undefined }) {
    return this.queryPage<Agreement>({ pk: 'AGREEMENTS', ...page });
  }

  // ---- recognitions ----

  getRecognition(id: string) {
    return this.get<RecognitionRecord>(key.recognition(id));
  }

  /** The recognitions resting on one certificate (at most one per region, but the index allows more). */
  listRecognitionsOf(certificateId: string) {
    return this.queryIndex<RecognitionRecord>(`RECOGNISED#${certificateId}`);
  }

  // ---- revocations heard of from partners ----

  /** Keeps the first notice of a certificate's revocation; a repeated or later one changes nothing. */
  async recordReceivedRevocation(revocation: ReceivedRevocation): Promise<void> {
    try {
      await this.db.send(
        new PutCommand(putNew(this.table, key.revoked(revocation.certificateId), revocation)),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  getReceivedRevocation(certificateId: string) {
    return this.get<ReceivedRevocation>(key.revoked(certificateId));
  }

  statusList(listId: string, purpose: StatusPurpose): Promise<StatusListRecord> {
    return readStatusList(this.db, this.table, listId, purpose);
  }

  /**
   * Keeps a new recognition and takes its endorsement's status index in one transaction.
   * @returns the record that exists afterwards: this one, or the one a concurrent request made first.
   */
  /** The open status list for endorsements (domain/status-index.ts). */
  openEndorsementList(): Promise<OpenStatusList | undefined> {
    return readOpenStatusList(this.db, this.table, 'recognitions');
  }

  async createRecognition(
    recognition: RecognitionRecord,
    statusPosition: { read: OpenStatusList | undefined; next: OpenStatusList },
    /** The notice telling the issuer (the outbox): written with the recognition, or not at all. */
    issuerNotice?: NoticeRecord,
  ): Promise<{ created: boolean; recognition: RecognitionRecord }> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            takeStatusPosition(this.table, statusPosition.read, statusPosition.next),
            {
              Put: putNew(this.table, key.recognition(recognition.id), recognition, {
                pk: `RECOGNISED#${recognition.certificateId}`,
                sk: recognition.id,
              }),
            },
            ...(issuerNotice ? [{ Put: noticePut(this.table, issuerNotice) }] : []),
          ],
        }),
      );
      return { created: true, recognition };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const existing = await this.getRecognition(recognition.id);
      if (existing) return { created: false, recognition: existing };
      throw new StateConflict('Status list position taken; read it again');
    }
  }

  /** Voids a recognition and sets its endorsement's revocation bit together; false if already void. */
  async voidRecognition(
    id: string,
    reason: { at: Date; reason: string; noticeId: string },
    list: StatusListRecord,
    /** The list as signed from these bits, stored in the same transaction (status-publication.ts). */
    signed?: SignedStatusList,
  ): Promise<boolean> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: key.recognition(id),
                UpdateExpression:
                  'SET #status = :void, voidedAt = :at, voidReason = :reason, voidedBy = :notice',
                ConditionExpression: '#status = :active',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: {
                  ':void': 'void',
                  ':active': 'active',
                  ':at': reason.at.toISOString(),
                  ':reason': reason.reason,
                  ':notice': reason.noticeId,
                },
              },
            },
            statusListWrite(this.table, list),
            ...(signed ? [signedStatusListWrite(this.table, signed)] : []),
          ],
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [recognitionReason] = error.CancellationReasons ?? [];
      if (recognitionReason?.Code === 'ConditionalCheckFailed') return false;
      throw new StateConflict('The endorsement status list changed meanwhile');
    }
  }
}

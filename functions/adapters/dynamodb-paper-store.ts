// What the paper certificate and the public page keep on the region's single table: each certificate's
// public-page token (both ways: number → token, token → number), the holder's activity feed
// (verifications and recognitions, by region only), and the per-client budget of lookups by number.
import { createHash, randomBytes } from 'node:crypto';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CertificateRecord, Page, PersonRecord } from '../ports.js';
import { putNew, SingleTableStore } from './dynamodb-table.js';

export interface PublicPageRecord {
  number: string;
  token: string;
  createdAt: string;
}

export type ActivityKind = 'verification' | 'recognition';

export interface ActivityRecord {
  at: string;
  kind: ActivityKind;
  /** The region where it happened (its code): never who, never from where. */
  region: string;
  /**
   * The region's name as our own registry had it when the entry was recorded (entries recorded before
   * names were kept have none; activityOf fills them in from the registry when read).
   */
  regionName?: { zh: string; en: string };
}

const key = {
  certificate: (number: string) => ({ pk: `CERT#${number}`, sk: 'CERT' }),
  pageOf: (number: string) => ({ pk: `CERT#${number}`, sk: 'PAGE' }),
  page: (token: string) => ({ pk: `PAGE#${token}`, sk: 'PAGE' }),
  // The activity feed has its own partition (not the certificate's), so the public functions that add to it
  // can be allowed to write only there (PUBLIC_WRITE_KEYS, docs/security.md).
  activity: (number: string, at: string, id: string) => ({
    pk: `ACTIVITY#${number}`,
    sk: `ACT#${at}#${id}`,
  }),
  person: (sub: string) => ({ pk: `PERSON#${sub}`, sk: 'PROFILE' }),
  budget: (client: string, window: number) => ({ pk: `LOOKUP#${client}#${window}`, sk: 'LOOKUP' }),
};

/**
 * The only partition keys the functions behind public routes may write (IAM `dynamodb:LeadingKeys`):
 * the per-client lookup budget and the holder's activity feed. Nothing a certificate depends on.
 */
export const PUBLIC_WRITE_KEYS = ['LOOKUP#*', 'ACTIVITY#*'] as const;

/** 128 bits from the CSPRNG, base64url: 22 characters, derived from nothing about the certificate. */
export function newPageToken(): string {
  return randomBytes(16).toString('base64url');
}

export const PAGE_TOKEN = /^[A-Za-z0-9_-]{22}$/;

export class DynamoDbPaperStore extends SingleTableStore {
  getCertificate(number: string) {
    return this.get<CertificateRecord>(key.certificate(number));
  }

  getPerson(sub: string) {
    return this.get<PersonRecord>(key.person(sub));
  }

  async numberOfToken(token: string): Promise<string | undefined> {
    if (!PAGE_TOKEN.test(token)) return undefined;
    return (await this.get<PublicPageRecord>(key.page(token)))?.number;
  }

  /**
   * The certificate's public-page token, made on first use: both records in one transaction, each only if
   * absent, so two first requests at once agree on one token (the loser reads the winner's).
   */
  async pageToken(number: string, now: Date): Promise<string> {
    const existing = await this.get<PublicPageRecord>(key.pageOf(number));
    if (existing) return existing.token;
    const record: PublicPageRecord = { number, token: newPageToken(), createdAt: now.toISOString() };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: putNew(this.table, key.pageOf(number), record) },
            { Put: putNew(this.table, key.page(record.token), record) },
          ],
        }),
      );
      return record.token;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const winner = await this.get<PublicPageRecord>(key.pageOf(number));
      if (!winner) throw error;
      return winner.token;
    }
  }

  /**
   * One entry of the holder's feed. With `onceFor` (an endorsement's id) the entry's key is derived from it,
   * so the same recognition heard twice is kept once.
   */
  async recordActivity(number: string, activity: ActivityRecord, onceFor?: string): Promise<void> {
    const id = onceFor
      ? createHash('sha256').update(onceFor).digest('hex').slice(0, 16)
      : randomBytes(6).toString('hex');
    try {
      await this.db.send(new PutCommand(putNew(this.table, key.activity(number, activity.at, id), activity)));
    } catch (error) {
      if (onceFor && (error as Error).name === 'ConditionalCheckFailedException') return;
      throw error;
    }
  }

  /** Newest first, a page at a time. */
  listActivity(number: string, page: { limit: number; nextToken?: string }): Promise<Page<ActivityRecord>> {
    return this.queryPage<ActivityRecord>({
      pk: `ACTIVITY#${number}`,
      index: 'table',
      skPrefix: 'ACT#',
      limit: page.limit,
      nextToken: page.nextToken,
      newestFirst: true,
    });
  }

  /** The recognitions in a certificate's feed (up to 100, newest first), however many verifications there are. */
  async listRecognitions(number: string): Promise<ActivityRecord[]> {
    const found: ActivityRecord[] = [];
    let nextToken: string | undefined;
    // Each page reads a bounded number of entries; a certificate has at most a few recognitions.
    for (let pages = 0; pages < 10 && found.length < 100; pages++) {
      const page = await this.queryPage<ActivityRecord>({
        pk: `ACTIVITY#${number}`,
        index: 'table',
        skPrefix: 'ACT#',
        limit: 100,
        nextToken,
        newestFirst: true,
        filter: {
          expression: '#kind = :recognition',
          names: { '#kind': 'kind' },
          values: { ':recognition': 'recognition' },
        },
      });
      found.push(...page.items);
      nextToken = page.nextToken;
      if (!nextToken) break;
    }
    return found.slice(0, 100);
  }

  /**
   * Takes one lookup from a client's budget for the current window; false when it is spent. One atomic
   * counter per client and window in the table (with a TTL), so the budget holds across every container.
   */
  async takeLookup(
    client: string,
    now: Date,
    budget: { perWindow: number; windowSeconds: number },
  ): Promise<boolean> {
    const window = Math.floor(now.getTime() / 1000 / budget.windowSeconds);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.budget(client, window),
          UpdateExpression: 'ADD #used :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(#used) OR #used < :limit',
          ExpressionAttributeNames: { '#used': 'used' },
          ExpressionAttributeValues: {
            ':one': 1,
            ':limit': budget.perWindow,
            ':expires': (window + 2) * budget.windowSeconds,
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  }
}

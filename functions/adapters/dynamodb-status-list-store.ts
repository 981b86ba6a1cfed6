// The StatusListStore port on the region's table: the bits, what shows a list was handed out, and the
// signed lists the public route serves. The public status-list function uses only the reads.
import type { StatusListKind, StatusPurpose } from '../domain/index.js';
import type { SignedStatusList, StatusListBits, StatusListStore } from '../ports.js';
import {
  readOpenStatusList,
  readSignedStatusList,
  readSignedStatusLists,
  readStatusList,
  writeSignedStatusList,
} from './dynamodb-status-lists.js';
import { SingleTableStore } from './dynamodb-table.js';

export class DynamoDbStatusListStore extends SingleTableStore implements StatusListStore {
  statusList(listId: string, purpose: StatusPurpose): Promise<StatusListBits> {
    return readStatusList(this.db, this.table, listId, purpose);
  }

  openStatusList(kind: StatusListKind) {
    return readOpenStatusList(this.db, this.table, kind);
  }

  signedStatusList(listId: string, purpose: StatusPurpose): Promise<SignedStatusList | undefined> {
    return readSignedStatusList(this.db, this.table, listId, purpose);
  }

  signedStatusLists(): Promise<SignedStatusList[]> {
    return readSignedStatusLists(this.db, this.table);
  }

  storeSignedStatusList(signed: SignedStatusList): Promise<boolean> {
    return writeSignedStatusList(this.db, this.table, signed);
  }
}

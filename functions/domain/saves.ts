// Saves that a retry can never undo. The exam page saves each item on its own with a version it counts
// up per item; the server keeps the highest version it has seen, so a late or repeated request (an older
// or equal version) changes nothing. Practical evidence is saved the same way. Everything here is pure:
// the store applies the same rule as a conditional write.
import { type Answer, AnswerError, checkAnswers, notOnPaper } from './grading.js';
import type { Paper } from './paper.js';

/** What the server keeps about one item besides the answer itself. */
export interface ItemSave {
  /** The client's per-item counter of the save the server kept. */
  version: number;
  /** Marked by the candidate for review before submitting. */
  flagged: boolean;
  /** When the server acknowledged it. */
  at: string;
}

/** An answer as a save carries it: null clears the item. */
export type SavedAnswer = Answer | null;

/** Versions are whole numbers from 1; JSON clients count safely up to this. */
export const MAX_SAVE_VERSION = Number.MAX_SAFE_INTEGER;

/**
 * How many bytes an attempt's answers, their save records and its evidence may take together: a backstop
 * below DynamoDB's 400 KB item, which also holds the attempt's grades, decision and history. An exam is
 * only admitted when any paper's answers with their save records fit 300 KiB (answersBytesBound,
 * MAX_ANSWERS_BYTES) and evidence is at most 10,000 characters (30 KB), so a legitimate save never
 * meets this limit in the middle of an exam.
 */
export const SAVED_WORK_BUDGET_BYTES = 340 * 1024;

/** Practical evidence: at most this many characters (a description, measurements, links to photos). */
export const MAX_EVIDENCE_LENGTH = 10_000;

/** A save whose version is not above the kept one is stale: it changes nothing. */
export function isStale(kept: { version: number } | undefined, version: number): boolean {
  return kept !== undefined && version <= kept.version;
}

/** The answer fits its item on this paper (null, clearing, fits any item on it). */
export function checkItemAnswer(paper: Paper, itemId: string, answer: SavedAnswer): void {
  if (!paper.items.some((p) => p.item.id === itemId)) {
    throw new AnswerError(notOnPaper(itemId));
  }
  if (answer !== null) checkAnswers(paper, { [itemId]: answer });
}

/** Bytes the saved work takes as stored (UTF-8 JSON; DynamoDB's own count is of the same order). */
export function savedWorkBytes(work: {
  answers: Record<string, Answer>;
  saves?: Record<string, ItemSave>;
  practicalEvidence?: string;
}): number {
  return new TextEncoder().encode(
    JSON.stringify([work.answers, work.saves ?? {}, work.practicalEvidence ?? '']),
  ).length;
}

/** The answers and save records after one save is applied (what the store will hold). */
export function applyItemSave(
  work: { answers: Record<string, Answer>; saves?: Record<string, ItemSave> },
  itemId: string,
  answer: SavedAnswer,
  save: ItemSave,
): { answers: Record<string, Answer>; saves: Record<string, ItemSave> } {
  const answers = { ...work.answers };
  if (answer === null) delete answers[itemId];
  else answers[itemId] = answer;
  return { answers, saves: { ...work.saves, [itemId]: save } };
}

/**
 * Per item, what the exam page restores: the kept answer, the flag and the version (0 when never saved
 * per item). Items answered through the whole-set route have version 0 and no flag.
 */
export function savedItems(work: {
  answers: Record<string, Answer>;
  saves?: Record<string, ItemSave>;
}): Record<string, { answer: SavedAnswer; flagged: boolean; version: number }> {
  const ids = new Set([...Object.keys(work.answers), ...Object.keys(work.saves ?? {})]);
  return Object.fromEntries(
    [...ids].map((id) => {
      const save = work.saves?.[id];
      return [
        id,
        { answer: work.answers[id] ?? null, flagged: save?.flagged ?? false, version: save?.version ?? 0 },
      ];
    }),
  );
}

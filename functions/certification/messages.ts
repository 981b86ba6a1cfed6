// What people read when the certification workflow has stopped on an error, in both languages.

/** For the candidate: their attempt is paused, nothing is lost, the evaluation body will resume it. */
export const ATTEMPT_STOPPED = {
  zh: '处理本次考试时出现错误，流程已暂停。您的答卷和已有的评分都已保存；评价机构已收到提醒，排除问题后会恢复处理，无需重新提交。',
  en: 'Processing of this attempt stopped because of an error. Your answers and any marks are kept; the evaluation body has been alerted and will resume it once the problem is fixed — there is no need to submit again.',
} as const;

/** For the assessor: the review is paused with the attempt and comes back to their queue. */
export const REVIEW_PAUSED = {
  zh: '该考试的处理流程因错误已暂停；恢复处理后，此评审会重新出现在您的待评队列中。',
  en: 'Processing of this attempt has stopped because of an error; this review comes back to your queue when it is resumed.',
} as const;

/** For the admin: only a stopped attempt can be resumed. */
export const NOT_STOPPED = {
  zh: '只有因错误而暂停的考试才能恢复处理。',
  en: 'Only an attempt stopped by an error can be resumed.',
} as const;

/** A save or submit after deadline + grace (409 attempt-closed). */
export function attemptClosed(closesAt: string) {
  return {
    en: `The time for this attempt is over: work was accepted until ${closesAt}. What was saved before then is kept and submitted.`,
    zh: `本次考试时间已到：作答截止于 ${closesAt}。此前已保存的答案均已保留并提交。`,
  };
}

/** A save to an attempt already submitted (409 attempt-submitted). */
export const ATTEMPT_SUBMITTED = {
  en: 'This attempt has been submitted; answers and evidence can no longer change.',
  zh: '本次考试已交卷，答案和操作技能材料不能再修改。',
} as const;

/** The whole-set save or a submit with answers, once items are saved one by one (409 item-saves-in-use). */
export const ITEM_SAVES_IN_USE = {
  en: 'This attempt saves answers item by item (PUT /attempts/{attemptId}/items/{itemId}); a whole answer set would overwrite newer saves, so it is not accepted.',
  zh: '本次考试按题逐题保存答案（PUT /attempts/{attemptId}/items/{itemId}）；整卷答案会覆盖较新的保存，因此不予接受。',
} as const;

/** Submitting an exam with a practical part and no evidence (409 evidence-required). */
export const EVIDENCE_REQUIRED = {
  en: 'This exam has a practical part: enter your practical evidence (practicalEvidence, saved with PUT /attempts/{attemptId}/evidence) before submitting.',
  zh: '本考试包含操作技能部分：交卷前请填写操作技能材料（practicalEvidence，可用 PUT /attempts/{attemptId}/evidence 保存）。',
} as const;

/** Evidence for an exam without a practical part (409 evidence-not-asked). */
export const EVIDENCE_NOT_ASKED = {
  en: 'This exam has no practical part, so it takes no practical evidence.',
  zh: '本考试没有操作技能部分，无需提交操作技能材料。',
} as const;

/** A repeat submit: nothing changed. */
export const ALREADY_SUBMITTED = {
  en: 'This attempt was already submitted; submitting again changed nothing.',
  zh: '本次考试已经交卷，重复交卷没有任何改变。',
} as const;

/** A repeat submit carrying different answers or evidence (409 already-submitted): refused, not dropped. */
export const ALREADY_SUBMITTED_CHANGED = {
  en: 'This attempt was already submitted; the answers or evidence in this request differ from what was submitted and were not saved.',
  zh: '本次考试已经交卷；本次请求中的答案或操作技能材料与已交内容不同，未被保存。',
} as const;

/** A save naming an item that is not on this candidate's paper. */
export function NOT_ON_PAPER(itemId: string) {
  return {
    en: `itemId ${itemId} is not an item on this attempt's paper`,
    zh: `itemId ${itemId} 不是本次试卷上的题目`,
  };
}

/** The saved work would not fit in the attempt's record (413). */
export const SAVED_WORK_TOO_LARGE = {
  en: 'The saved answers and evidence of this attempt would exceed what an attempt can hold; shorten the evidence.',
  zh: '本次考试保存的答案和材料将超出可保存的上限，请精简操作技能材料。',
} as const;

/** One live attempt per exam (409 live-attempt). */
export function liveAttempt(attemptId: string, status: string) {
  const zhStatus: Record<string, string> = {
    'in-progress': '作答中',
    submitted: '已交卷',
    marking: '评分中',
    moderating: '复评中',
    error: '处理暂停',
  };
  return {
    en: `You already have an attempt at this exam that is not finished (${attemptId}, ${status}); a new attempt can start once it has a result.`,
    zh: `您在本考试已有一次尚未结束的考试（${attemptId}，${zhStatus[status] ?? status}）；待其出结果后才能再次报考。`,
  };
}

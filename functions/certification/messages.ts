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

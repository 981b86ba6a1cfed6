// What the domain refuses, in words a person can act on, in English and Chinese (zh-CN): a handler that
// maps a domain error to HTTP answers with both, so no refusal reaches a person in one language only.

/** A message a person reads, in both languages: the API's `message` (en) and `messageZh`. */
export interface Bilingual {
  en: string;
  zh: string;
}

export abstract class DomainError extends Error {
  readonly messageZh: string;
  constructor(message: Bilingual) {
    super(message.en);
    this.messageZh = message.zh;
  }

  /** The message in both languages, as an HTTP error carries it. */
  get bilingual(): Bilingual {
    return { en: this.message, zh: this.messageZh };
  }
}

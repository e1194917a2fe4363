/** One recipient handed to a provider client. */
export interface SendUnit {
  id: number;
  to: string;
  /** The row's client key: the same on every attempt (the provider dedupes on it). */
  clientKey: string;
  /** Campaign parameters merged with the recipient's own. */
  params: Record<string, string>;
  /** The full text with `#{var}` substituted, when the campaign gave one. */
  content: string | undefined;
}

/** What a campaign's template is. */
export interface SendTemplate {
  template: string;
}

/** The outcome of one unit in a request. */
export type UnitResult =
  | { kind: 'sent'; messageId: string }
  /** Permanent; `fallback` when another channel may reach the recipient (Alimtalk 3019: not a KakaoTalk user). */
  | { kind: 'failed'; error: string; fallback?: boolean }
  /** Retry with backoff; `uncertain` when the request may have been delivered (timeout, reset). */
  | { kind: 'retry'; error: string; uncertain: boolean; afterMs?: number }
  /** Refused by the provider's limit: not sent, not an attempt. */
  | { kind: 'throttled' };

/** The outcome of one request: a result per unit (same order) and an optional pause. */
export interface BatchResult {
  results: UnitResult[];
  /** The provider asked us to slow down: send nothing for this long. */
  pauseMs?: number;
  /** The provider refused because the account's send quota (SES's 24-hour quota) is used up, not its rate. */
  quotaExhausted?: boolean;
}

/** A client for one provider account's wire shape. */
export interface ProviderClient {
  /** Most recipients one request may carry. */
  readonly maxBatch: number;
  send(units: readonly SendUnit[], template: SendTemplate): Promise<BatchResult>;
  close(): Promise<void>;
}

/** Substitutes `#{name}` parameters (the Alimtalk template syntax) into a text. */
export function renderContent(content: string, params: Record<string, string>): string {
  return content.replace(/#\{([^}]+)\}/g, (whole, name: string) => (Object.hasOwn(params, name) ? params[name] : undefined) ?? whole);
}

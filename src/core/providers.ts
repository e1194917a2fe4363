/**
 * The provider registry: every provider kind floodgate knows, and the facts every layer shares
 * about it. The mocks (`mock-providers/kinds/`), the reference dispatcher (`dispatcher/kinds/`),
 * the runner, export/import and the result schema all take their list of kinds from here, and each
 * layer keeps its per-kind modules in a map typed over {@link ProviderKind}: a kind added here and
 * forgotten in a layer is a type error, never a silent gap. `docs/adding-a-provider.md` walks
 * through adding one.
 */

/** What a provider's rate limit counts. */
export const PROVIDER_UNITS = ['messages', 'recipients', 'requests'] as const;
/** One of {@link PROVIDER_UNITS}. */
export type ProviderUnit = (typeof PROVIDER_UNITS)[number];

/** What every layer may know about a provider kind without importing another layer. */
export interface ProviderKindInfo {
  /** The service it imitates, for docs and reports. */
  readonly title: string;
  /** The campaign channel it serves: a campaign names a channel, the dispatcher maps it to accounts. */
  readonly channel: string;
  /** What its limit counts. */
  readonly unit: ProviderUnit;
}

/** The registry. Add a kind here first; the type checker then lists every layer that needs it. */
export const PROVIDERS = {
  fcm: { title: 'Firebase Cloud Messaging HTTP v1', channel: 'push', unit: 'messages' },
  ses: { title: 'Amazon SES (v2 JSON and v1 Query APIs)', channel: 'email', unit: 'recipients' },
  sendgrid: { title: 'SendGrid v3 Mail Send', channel: 'email', unit: 'requests' },
  alimtalk: { title: 'KakaoTalk Alimtalk broker (NHN Cloud-like)', channel: 'alimtalk', unit: 'recipients' },
  sms: { title: 'Korean SMS/LMS gateway (NHN Cloud SMS-like)', channel: 'sms', unit: 'recipients' },
} as const satisfies Record<string, ProviderKindInfo>;

/** A registered provider kind. */
export type ProviderKind = keyof typeof PROVIDERS;
/** A channel some registered kind serves. */
export type Channel = (typeof PROVIDERS)[ProviderKind]['channel'];

/** Every registered kind, in registry order. */
export const PROVIDER_KINDS = Object.keys(PROVIDERS) as [ProviderKind, ...ProviderKind[]];

/** Every channel, each once, in registry order. */
export const CHANNELS = [...new Set(PROVIDER_KINDS.map((k) => PROVIDERS[k].channel))] as [Channel, ...Channel[]];

/** True when `kind` is a registered kind (own keys only: `constructor` is not a provider). */
export function isProviderKind(kind: string): kind is ProviderKind {
  return Object.hasOwn(PROVIDERS, kind);
}

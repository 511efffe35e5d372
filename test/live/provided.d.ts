// What the live tests' global setup provides (inject('liveUrl') etc.).
declare module 'vitest' {
  export interface ProvidedContext {
    liveUrl: string;
    adminSecret: string;
    chromium: string;
    /** The provider fake (setup/provider-fake.ts): its control paths /_script and /_calls. */
    fakeUrl: string;
    /** The Stripe fake (scripts/fake-stripe.mjs): the Worker's STRIPE_API_BASE, its /_stripe control paths. */
    stripeFakeUrl: string;
    /** The STRIPE_WEBHOOK_SECRET the Worker was given (the fake signs its webhooks with it). */
    stripeWebhookSecret: string;
  }
}

export {};

// What the live tests' global setup provides (inject('liveUrl') etc.).
declare module 'vitest' {
  export interface ProvidedContext {
    liveUrl: string;
    adminSecret: string;
    chromium: string;
    /** The provider fake (setup/provider-fake.ts): its control paths /_script and /_calls. */
    fakeUrl: string;
  }
}

export {};

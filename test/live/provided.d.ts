// What the live tests' global setup provides (inject('liveUrl') etc.).
declare module 'vitest' {
  export interface ProvidedContext {
    liveUrl: string;
    adminSecret: string;
    chromium: string;
  }
}

export {};

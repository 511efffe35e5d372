/**
 * The client families the Worker answers, each with its own error shape
 * (error-shapes.ts): named apart from the shapes so the route tables that
 * decide a request's surface (not-served.ts) and the shapes themselves both
 * depend on this list rather than on each other.
 */
export type Surface = 'graphql' | 'openai' | 'anthropic' | 'google' | 'rest';

/** The chat surfaces, whose clients are the providers' own SDKs. */
export type ChatSurface = Extract<Surface, 'openai' | 'anthropic' | 'google'>;

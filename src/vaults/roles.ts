/** Who said a memory: the end user, the model, or the application. */
export const ROLES = ['USER', 'ASSISTANT', 'SYSTEM'] as const;
export type Role = (typeof ROLES)[number];

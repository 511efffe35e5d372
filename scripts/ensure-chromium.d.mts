/** Chromium's path; installs Debian's chromium as root when missing, else throws what to run. */
export function ensureChromium(): string;
export const CHROMIUM: string;

import { ensureChromium } from '../../../scripts/ensure-chromium.mjs';

/** Global setup of the live tests: Chromium for the console suite (installed if missing). */
export default function setup({ provide }: { provide: (key: 'chromium', value: string) => void }) {
  provide('chromium', ensureChromium());
}

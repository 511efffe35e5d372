/** The Stripe fake served in Node (fake-stripe.mjs). */
import type { Server } from 'node:http';

export const DEFAULT_STRIPE_FAKE: {
  port: number;
  host: string;
  key: string;
  webhookSecret: string;
  webhookUrl: string;
};
export function startStripeFake(options?: Partial<typeof DEFAULT_STRIPE_FAKE>): Promise<{
  /** Its origin, for STRIPE_API_BASE. */
  url: string;
  server: Server;
  /** The one secret key it accepts. */
  key: string;
  /** The secret it signs webhooks with. */
  webhookSecret: string;
  /** Where its webhooks go unless a delivery names another URL. */
  webhookUrl: string;
}>;

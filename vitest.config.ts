import { cloudflareTest } from '@cloudflare/vitest-plugin';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          KEY_HMAC_SECRET: 'test-key-hmac-secret',
          ADMIN_JWT_SECRET: 'test-admin-jwt-secret',
        },
      },
    }),
  ],
  test: {
    include: ['test/**/*.test.ts'],
  },
});

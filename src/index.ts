export { AccountObject } from './durable/account-object';
export { VaultObject } from './durable/vault-object';

export default {
  async fetch(): Promise<Response> {
    return new Response('MemoryRouter', { status: 200 });
  },
} satisfies ExportedHandler<Env>;

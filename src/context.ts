import type { AppConfig } from './config';
import type { Embedder } from './embed/embedder';
import type { Principal } from './auth/principal';
import type { VaultLoader } from './resolvers/vault-loader';
import type { ReceiptCollector } from './resolvers/receipt';

/** What every resolver receives: bindings, the caller, and per-request helpers. */
export interface GraphQLContext {
  env: Env;
  ctx: ExecutionContext;
  config: AppConfig;
  embedder: Embedder;
  /** null when the request carried no credentials. */
  principal: Principal | null;
  /** Why the presented credentials were refused, if they were. */
  authError: string | null;
  vaults: VaultLoader;
  receipt: ReceiptCollector;
}

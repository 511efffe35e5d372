import { describe, expect, it } from 'vitest';
import { lazyDeploymentEmbedder } from '../../src/durable/vault/deployment-embedder';
import { USE_LITE_MODEL } from '../../src/embed/use-lite';

const deployment = (vars: Record<string, string>) => ({ ...vars }) as unknown as Env;

describe('the deployment’s embedder, as a vault builds it', () => {
  it('builds the deployment’s embedder on first use, then hands back the same one', () => {
    const embedder = lazyDeploymentEmbedder(deployment({ EMBEDDING_PROVIDER: 'local' }));
    const first = embedder();
    expect(first?.model).toBe(USE_LITE_MODEL);
    expect(embedder()).toBe(first);
  });

  it('answers null, instead of throwing into the alarm, where the settings cannot build one', () => {
    const noBinding = lazyDeploymentEmbedder(deployment({ EMBEDDING_PROVIDER: 'workers-ai' }));
    const unknown = lazyDeploymentEmbedder(deployment({ EMBEDDING_PROVIDER: 'elsewhere' }));
    expect(noBinding()).toBeNull();
    expect(unknown()).toBeNull();
  });
});

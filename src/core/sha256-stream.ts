import { toHex } from './encoding';

/**
 * SHA-256 fed a piece at a time (Workers' DigestStream), written as the JSONL
 * format's checksum `sha256:<hex>`: a file is hashed as it streams, never held whole.
 */
export class Sha256Stream {
  // Node's typings, pulled in by the test tooling, lack DigestStream.
  private readonly digest = new (
    crypto as unknown as { DigestStream: typeof DigestStream }
  ).DigestStream('SHA-256');
  private readonly writer = this.digest.getWriter();

  write(bytes: Uint8Array): Promise<void> {
    return this.writer.write(bytes);
  }

  async finish(): Promise<string> {
    await this.writer.close();
    return `sha256:${toHex(new Uint8Array(await this.digest.digest))}`;
  }
}

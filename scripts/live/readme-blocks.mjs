// Finds the code blocks of a Markdown file, with what each one declares in
// its info string after the language:
//
//   ```sh                                   run against the live server
//   ```graphql                              sent to /graphql with the memory key in $MK
//   ```graphql as=admin                     sent with an admin token instead
//   ```ts                                   run with tsx as a module of its own, importing
//                                           the installed packages as a reader's project would
//   ```sh needs=openai-key                  not run: needs something from outside
//   ```sh skip="why"                        not run, for the reason given
//   ```sh expect=NOT_FOUND                  must answer that error code
//
// GitHub shows only the language, so the attributes cost the reader nothing.

/** What a block may need from outside this machine: such blocks are listed, not run. */
export const OUTSIDE = {
  'openai-key': 'an OpenAI API key',
  'anthropic-key': 'an Anthropic API key',
  'google-key': 'a Gemini API key',
  'local-model': 'a local OpenAI-compatible model server',
  stripe: 'a Stripe account',
  'cloudflare-account': 'a Cloudflare account',
};

const RUNNABLE = new Set(['sh', 'bash', 'shell', 'graphql', 'ts']);
const ATTRIBUTE = /([a-z-]+)=(?:"([^"]*)"|(\S+))/g;

/**
 * The documentation whose blocks the README test runs, in this order: the
 * README's quick start makes the memory key and the first memories that the
 * pages' examples then use.
 */
export const DOC_PAGES = [
  'README.md',
  'docs/console.md',
  'docs/api.md',
  'docs/chat.md',
  'docs/facts-and-events.md',
  'docs/drop-in.md',
  'docs/data.md',
  'docs/billing.md',
  'docs/embeddings.md',
  'docs/configuration.md',
  'docs/deploy.md',
  'docs/development.md',
];

/**
 * @returns {{ file: string, line: number, section: string, language: string, code: string,
 *   attributes: Record<string, string>, runnable: boolean }[]}
 */
export function readBlocks(markdown, file = 'README.md') {
  const blocks = [];
  const lines = markdown.split('\n');
  let section = '';
  let open = null;
  lines.forEach((text, index) => {
    if (open === null) {
      const heading = /^#{1,6}\s+(.*)$/.exec(text);
      if (heading) section = heading[1].trim();
      const fence = /^(\s*)(`{3,})(\S*)\s*(.*)$/.exec(text);
      if (fence) {
        const attributes = {};
        for (const match of fence[4].matchAll(ATTRIBUTE)) {
          attributes[match[1]] = match[2] ?? match[3];
        }
        open = {
          indent: fence[1].length,
          fence: fence[2],
          line: index + 1,
          section,
          language: fence[3].toLowerCase(),
          attributes,
          body: [],
        };
      }
      return;
    }
    if (text.trim() === open.fence) {
      blocks.push({
        file,
        line: open.line,
        section: open.section,
        language: open.language,
        attributes: open.attributes,
        code: open.body.join('\n'),
        runnable: RUNNABLE.has(open.language),
      });
      open = null;
      return;
    }
    // Blocks inside list items are indented: drop that indentation.
    open.body.push(text.slice(Math.min(open.indent, text.length - text.trimStart().length)));
  });
  if (open !== null) throw new Error(`${file}:${open.line}: code block never closed`);
  return blocks;
}

/** Why a block is not run, or null when it runs; throws on attributes it does not know. */
export function reasonNotRun(block) {
  const known = new Set(['as', 'needs', 'skip', 'expect']);
  for (const name of Object.keys(block.attributes)) {
    if (!known.has(name))
      throw new Error(`${block.file}:${block.line}: unknown attribute ${name}=`);
  }
  if (!block.runnable) return `${block.language || 'text'} block`;
  if (block.attributes.skip) return block.attributes.skip;
  const needs = block.attributes.needs?.split(',') ?? [];
  for (const need of needs) {
    if (!(need in OUTSIDE)) {
      throw new Error(
        `${block.file}:${block.line}: needs=${need} is not one of ${Object.keys(OUTSIDE).join(', ')}`,
      );
    }
  }
  if (needs.length > 0) return `needs ${needs.map((need) => OUTSIDE[need]).join(' and ')}`;
  if (block.attributes.as !== undefined && block.attributes.as !== 'admin') {
    throw new Error(
      `${block.file}:${block.line}: as=${block.attributes.as} (only as=admin exists)`,
    );
  }
  return null;
}

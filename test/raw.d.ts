// Vite's `?raw` imports: a file's text, for the schema snapshot tests.
declare module '*?raw' {
  const text: string;
  export default text;
}

// Vite's glob import of files' texts, eager (a test that reads the sources).
interface ImportMeta {
  glob(
    pattern: string,
    options: { query: '?raw'; import: 'default'; eager: true },
  ): Record<string, string>;
}

// Vite's `?raw` imports: a file's text, for the schema snapshot tests.
declare module '*?raw' {
  const text: string;
  export default text;
}

/** The fakes Worker as miniflare options (see worker-config.mjs). */
export function fakesWorker(root?: string): {
  name: string;
  modules: { type: 'ESModule'; path: string }[];
  compatibilityDate: string;
};

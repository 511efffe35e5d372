// Types of the providers fake, for Node code that serves it (test/live).
declare const fakes: { fetch(request: Request): Promise<Response> };
export default fakes;

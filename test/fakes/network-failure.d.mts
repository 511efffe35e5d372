// Types of the fakes' network-failure marker, for the test setup that reads it.
export const NETWORK_FAILURE_HEADER: string;
export function refusedConnection(): Response;
export const RESET_AFTER_BODY: Record<string, string>;

// The server's limits the console checks before sending (a unit test keeps them equal to the server's).

/** The largest query image the server takes (lib/services/search.ts MAX_QUERY_IMAGE_BYTES). */
export const MAX_QUERY_IMAGE_BYTES = 20 * 1024 * 1024;

/**
 * The GraphQL API: the SDL in schema/api.graphql, served over HTTP. This is the folder's public
 * surface; code inside src/api imports concrete files.
 */
export { startServer, type RunningServer, type ServerOptions } from "./server.ts";
export { loadApiSchema, readApiSdl, API_SDL_PATH } from "./schema.ts";
export { createFormatError, INTERNAL_MESSAGE } from "./formatError.ts";

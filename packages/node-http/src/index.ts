/**
 * `@hotfs/node-http`: serve any hotfs FileSystem over HTTP. Filled in by the node-http issue.
 * @packageDocumentation
 */
export {};

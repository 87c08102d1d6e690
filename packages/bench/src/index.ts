/**
 * `@hotfs/bench`: benchmarks. Filled in by the bench issue.
 * @packageDocumentation
 */
export {};

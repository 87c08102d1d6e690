/**
 * The hotfs conformance suite: one call proves a backend, from any test runner.
 * @packageDocumentation
 */
export { checkFileSystem, assertFileSystem, type CheckOptions } from './check.js';
export { runConformance, formatReport, type BackendCapabilities, type CheckName, type ConformanceOptions, type ConformanceReport } from './run.js';
export type { ChangeDriver } from './change-feed.js';
export type { ExpectedTree } from './expected.js';
export { createFixture, patternBytes, type Fixture, type FixtureOptions } from './fixture.js';

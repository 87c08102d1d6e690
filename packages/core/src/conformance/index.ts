/**
 * The hotfs conformance suite: one call proves a backend, from any test runner.
 * @packageDocumentation
 */
export { checkFileSystem, assertFileSystem, type CheckOptions } from './check.js';
export { createFixture, patternBytes, type Fixture, type FixtureOptions } from './fixture.js';

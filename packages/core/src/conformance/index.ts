/**
 * The hotfs conformance suite: one call proves a backend, from any test runner.
 * @packageDocumentation
 */
export { checkFileSystem, assertFileSystem, type CheckOptions } from './check.js';
export { createFixture, patternBytes, LARGE_FILE_SIZE, type Fixture, type FixtureOptions } from './fixture.js';
export { readExpectedTree, readHiddenPaths, type ExpectedEntry } from './truth.js';

/**
 * `@hotfs/bench`: the benchmark harness behind `pnpm bench`. The CLI is `dist/cli.js`; these exports
 * let another script run a level on its own or register a backend or contender.
 * @packageDocumentation
 */
export { backends, fsCases, runFsBench, type Backend, type FsBenchOptions, type FsCaseResult, type FsMeasure } from './fs-bench.js';
export { runHttpBench, type HttpBenchOptions, type HttpBenchResult, type HttpCaseResult, type HttpMeasure } from './http-bench.js';
export { PIN, PIN_CONNECTIONS, allowedCpus, expandCpuList, formatCpuList, pinUnsupported, type PinInfo } from './pin.js';
export { httpCases, pickCases, type HttpCase } from './http-cases.js';
export { CEILING, contenders, startServer, type Contender, type ServerProcess } from './contenders.js';
export { hasWrk, pickGenerator, wrkGenerator, type GeneratorName, type LoadGenerator, type LoadJob, type LoadResult } from './load.js';
export { ensureFixture, FIXTURE_FILES, MISSING_PATH, ROTATION_COUNT, ROTATION_DIR, rotationPath } from './fixtures.js';
export { runMirrorScale, mirrorScaleTable, scaleTargets, type MirrorScale, type ScaleRow } from './mirror-scale.js';
export { runMemfsCosts, memfsCostsTable, type MemfsCosts, type MirrorCost, type WriteToServed } from './memfs-costs.js';
export { renderMarkdown, renderText, generatorCheck, hostCheck, pinCheck, incidents, type BenchResult, type RunMeta } from './report.js';
export { checkTargets, type TargetCheck } from './targets.js';
export { ratioChart } from './svg.js';
export { geomean, ratio, spread, type Spread } from './stats.js';

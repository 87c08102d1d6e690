// A file's metadata ETag (DiskFS) and its Last-Modified date are strong validators only once the
// file is a second past its last change: tests that expect strong ones wait that out.
export async function untilValidatorsStrong(lastWrite) {
  const wait = lastWrite + 1000 - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait + 10));
}

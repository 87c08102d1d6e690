/**
 * The `hotfs --help` text.
 * @module
 */

/** The `--help` text. */
export const usage = `Usage: hotfs [options]

Serve a directory or an S3 bucket over HTTP (GET/HEAD, ranges, conditional requests, listings).

Options:
  --path <dir|file.zip|s3://bucket/prefix>
                             what to serve: a directory, a .zip archive (served from the archive
                             whatever --backend says), or the keys of an S3 bucket below a prefix;
                             repeatable: several are served as one overlay, the first that has a
                             path wins (default: .)
  --addr <addr>              where to listen: host:port, or :port for all interfaces
                             (default: 127.0.0.1:9999)
  --backend <kind>           mem (default): a mirror in memory. A directory is watched; an s3://
                               path is listed and read whole before listening, then listed again
                               every --reconcile-interval, re-reading only changed objects
                             cache: a bounded read-through cache (--max-bytes, default 256m; an
                               answer is trusted for --cache-max-age, then revalidated by ETag;
                               while the source fails, what it holds is served stale)
                             direct: no copy: every request reads the directory, or goes to S3
                             disk: the same as direct, for a directory only
  --workers <n|auto>         serve from n worker threads on one port sharing one mirror (Node >= 22.12;
                             on older Nodes n node:cluster processes, each with its own mirror);
                             auto: one per available CPU (default: 1, the main thread alone)

HTTP:
  --prefix <path>            URL path to serve under (default: /memfs/)
  --dotfiles <policy>        ignore (404, default), deny (403) or allow
  --index <name>[,<name>]    index file names, tried in order; repeatable (default: index.html)
  --no-index                 no index files
  --listing, --no-listing    list directories without an index file, or answer 404 (default: list)
  --max-age <duration>       Cache-Control max-age on files: 60 (seconds), 10m, 1h, 7d (default: none)
  --immutable                add immutable to that Cache-Control (needs --max-age)
  --header 'Name: value'     extra header on files and listings; repeatable
  --precompressed            serve app.js.br / .zst / .gz for app.js to clients that accept it
  --header-rule <rule>       '<regexp> Name: value': a header on files and listings whose path
                             (/sub/app.js) matches the regexp, which ends at the first space;
                             repeatable; a later rule wins, and a rule wins over --max-age/--header
  --single[=<file>]          SPA fallback: a missing path without an extension, asked for as HTML,
                             gets this file with 200 (default file: /index.html)
  --cors[=<origins>]         CORS headers on every answer, and preflight OPTIONS: for any origin (*),
                             or for these only: --cors=https://a.example,https://b.example
  --live                     mem backend: reload open pages when a file changes (stylesheets are
                             swapped in place); events at <prefix>.hotfs/live, a script in HTML pages
  --headers-timeout <dur>    time to receive request headers (default: Node's, 60s)
  --request-timeout <dur>    time to receive a whole request (default: Node's, 300s)
  --keep-alive-timeout <dur> how long an idle connection stays open (default: 65s)

Backends:
  --symlinks <policy>        inside (default: links inside the root), follow (any), never
  --io <sync|async>          disk backend: blocking calls for lookups and small reads (sync, default),
                             or the thread pool for everything (async, for network filesystems)
  --ignore <regexp>          mem backend: leave out paths matching it (tested against /sub/path)
  --max-file-size <size>     mem/cache backend: largest file kept in memory (bytes, or 10k/5m/1g)
  --max-bytes <size>         mem/cache backend: total content kept in memory
  --cache-max-age <dur>      cache backend: how long an answer is trusted before the source is
                             asked again (15s; 0 asks every time)
  --settle <duration>        mem backend: look at a path again this long after its last change (100ms)
  --reconcile-interval <dur> mem backend: period of the walk that heals missed changes (15s; 0 disables)
  --no-watch                 mem backend: no watcher, only the reconcile walk updates the mirror
  --no-compress              mem backend: no br/zstd/gzip encodings computed in the background
                             (default: computed for text files from 1 KiB, served to clients that
                             accept them)
  --wait-for-mirror          mem backend: listen only once the whole tree is in memory (default: answer
                             at once, from the disk until the mirror is complete)

S3 (an s3:// --path; --symlinks, --io, --settle and --no-watch are refused when every path is one):
  --s3-endpoint <url>        an S3-compatible store (MinIO, Ceph, R2…), addressed path-style
                             (default: AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL, else AWS itself).
                             Region and credentials come from the SDK's usual environment:
                             AWS_REGION, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE…
                             A failing store is logged once per outage; what cannot be served
                             answers 503.

Output:
  --verbose                  also log every request and every change the mirror applies
  --quiet                    log errors only (not even the address: give a fixed port)
  --help                     show this help
  --version                  show the version

Durations: 500ms, 10s, 5m, 1h, 7d; a bare number is milliseconds (seconds for --max-age).
By default the command logs startup, shutdown, warnings and 5xx errors.
A bad flag exits with code 2 before anything is opened; a root that cannot be served exits with 1.
`;

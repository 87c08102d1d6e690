/**
 * `@hotfs/s3`: {@link S3FS}, an S3 bucket (or any S3-compatible store) as a hotfs FileSystem.
 * @packageDocumentation
 */
export { S3FS, type S3FSOptions } from './s3.js';

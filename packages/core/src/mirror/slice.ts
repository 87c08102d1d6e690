/**
 * Time slices for work done with blocking calls on the event loop (the mirror's walk reads small
 * files at once): each piece of work checks {@link sliceUsed} between steps and, once the slice is
 * used up, awaits {@link nextSlice}, so timers, I/O callbacks and requests (`serveWhileLoading`)
 * wait at most about one slice. The slice is shared by everything in the thread, and handed out
 * one waiter per event-loop turn, in the order they asked: a thousand directories walked at once
 * take whole slices in turn, instead of each waking for one step and yielding again.
 * @module
 */

/** Long enough that yielding costs nothing measurable, short enough to stay unnoticed by a request. */
const SLICE_MS = 8;

let sliceStart = performance.now();
const waiting: (() => void)[] = [];

/** Whether the current slice is used up: the caller should await {@link nextSlice}. */
export function sliceUsed(): boolean {
  return performance.now() - sliceStart > SLICE_MS;
}

/** Resolves when the caller's turn comes: a later event-loop turn, with a fresh slice of its own. */
export function nextSlice(): Promise<void> {
  return new Promise((resolve) => {
    // A turn is planned exactly while someone waits.
    if (waiting.push(resolve) === 1) setImmediate(turn);
  });
}

function turn(): void {
  sliceStart = performance.now();
  waiting.shift()!();
  if (waiting.length > 0) setImmediate(turn);
}

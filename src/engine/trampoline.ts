/**
 * Deep recursion without the JS stack: a recursive step is written as a generator that *yields*
 * the generator of each sub-step and receives its result; `trampoline` runs them on an explicit
 * stack. Expand and explain use it, so a 10,000-hop chain costs heap, not stack frames.
 *
 *   function* depth(n: number): Step<number> { return n === 0 ? 0 : 1 + (yield depth(n - 1)); }
 *   trampoline(depth(100_000)) === 100_000
 */

/** One step: yields sub-steps (each answered with its result), returns `T`. */
// The yield expression is `unknown`: the caller narrows it to the `T` of the step it yielded.
export type Step<T> = Generator<Step<unknown>, T, unknown>;

export function trampoline<T>(root: Step<T>): T {
  const stack: Step<unknown>[] = [root];
  let input: unknown = undefined;
  let error: { readonly e: unknown } | undefined;
  for (;;) {
    const top = stack[stack.length - 1]!;
    let r: IteratorResult<Step<unknown>, unknown>;
    try {
      if (error !== undefined) {
        const e = error.e;
        error = undefined;
        r = top.throw(e);
      } else r = top.next(input);
    } catch (e) {
      stack.pop();
      if (stack.length === 0) throw e;
      error = { e };
      continue;
    }
    if (r.done) {
      stack.pop();
      if (stack.length === 0) return r.value as T;
      input = r.value;
    } else {
      stack.push(r.value);
      input = undefined;
    }
  }
}

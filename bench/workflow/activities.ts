/** The baseline's activities: the same recursive fibonacci the BlobHub chain runs in logic.code, and a constant. */
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export const baselineActivities = {
  async fibonacci(n: number): Promise<number> {
    return fib(n);
  },
  /** the trivial execution's one component: returns a constant */
  async constant(): Promise<number> {
    return 42;
  },
};

export const fibonacciSource = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }';

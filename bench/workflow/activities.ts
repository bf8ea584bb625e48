/** The baseline's one activity: the same recursive fibonacci the BlobHub chain runs in logic.code. */
function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export const baselineActivities = {
  async fibonacci(n: number): Promise<number> {
    return fib(n);
  },
};

export const fibonacciSource = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }';

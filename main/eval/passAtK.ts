/**
 * pass@k, the unbiased estimator of Chen et al. 2021 ("Evaluating Large Language
 * Models Trained on Code", eq. 1 and its numerically stable form): with n samples
 * of which c are correct, pass@k = 1 − C(n−c, k)/C(n, k)
 *                                = 1 − Π_{i=n−c+1}^{n} (1 − k/i).
 * The product form never forms a binomial coefficient, so it neither overflows
 * nor loses precision for large n. avg@k is the mean correctness of the k samples
 * (= the unbiased pass@1 estimate from k samples). Pure.
 */
export function passAtK(n: number, c: number, k: number): number {
  if (!Number.isInteger(n) || !Number.isInteger(c) || !Number.isInteger(k) || n < 1 || c < 0 || c > n || k < 1 || k > n)
    throw new RangeError(`pass@k needs integers 0 ≤ c ≤ n and 1 ≤ k ≤ n (got n=${n}, c=${c}, k=${k})`);
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}

/** Per-problem result: n samples, c correct (and optionally whether the greedy answer was right). */
export interface ProblemResult { n: number; c: number }

/** Running means over problems, so large evaluations need O(1) memory. */
export class PassAtKAccumulator {
  problems = 0;
  private sumAvg = 0;
  private sumPassK = 0;
  constructor(readonly k: number) {}
  add(r: ProblemResult): void {
    this.problems++;
    this.sumAvg += r.c / r.n;
    this.sumPassK += passAtK(r.n, r.c, Math.min(this.k, r.n));
  }
  /** pass@1 (unbiased, = avg@k), avg@k and pass@k, each averaged over problems. */
  metrics(): { 'pass@1': number; 'avg@k': number; 'pass@k': number } {
    const p = Math.max(1, this.problems);
    return { 'pass@1': this.sumAvg / p, 'avg@k': this.sumAvg / p, 'pass@k': this.sumPassK / p };
  }
}

/**
 * One AdamW step in place (torch.optim.AdamW semantics: decoupled weight decay applied as
 * p ← p·(1 − lr·wd) before the Adam update, bias-corrected moments, eps outside the sqrt).
 * reference: Loshchilov & Hutter 2019 (arXiv:1711.05101); torch/optim/adamw.py.
 */
export interface AdamWConfig {
  lr: number;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * @param p parameters (updated in place), @param g gradient, @param m, v moments (in place),
 * @param t 1-based step count after this update.
 */
export function adamwStep(p: Float32Array, g: ArrayLike<number>, m: Float32Array, v: Float32Array, t: number, c: AdamWConfig): void {
  const bc1 = 1 - c.beta1 ** t;
  const bc2 = 1 - c.beta2 ** t;
  const decay = 1 - c.lr * c.weightDecay;
  for (let k = 0; k < p.length; k++) {
    const gk = g[k]!;
    const mk = c.beta1 * m[k]! + (1 - c.beta1) * gk;
    const vk = c.beta2 * v[k]! + (1 - c.beta2) * gk * gk;
    m[k] = mk;
    v[k] = vk;
    p[k] = p[k]! * decay - (c.lr * (mk / bc1)) / (Math.sqrt(vk / bc2) + c.eps);
  }
}

/**
 * Ridge-regularised linear least squares through its normal equations, in float64: given the
 * (uncentred or centred) Gram matrix A = X'X of n features and right-hand sides B = X'Y for m
 * targets, the solution W of (A + lambda I) W = B, with lambda = ridge * mean(diag A) (so the
 * ridge is relative to the features' scale), by a Cholesky factorisation of A + lambda I.
 * Matrices are row-major Float64Arrays: A is n x n (only its lower triangle is read), B n x m.
 */

/** Lower Cholesky factor (row-major, n x n) of `a` + `shift` I; throws when it is not positive definite. */
function choleskyShifted(a: Float64Array, n: number, shift: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const li = i * n;
    for (let j = 0; j <= i; j++) {
      const lj = j * n;
      let s = a[li + j] + (i === j ? shift : 0);
      for (let k = 0; k < j; k++) s -= l[li + k] * l[lj + k];
      if (i === j) {
        if (!(s > 0)) {
          throw new RangeError(`ridgeSolve: the ${n}x${n} normal matrix is not positive definite at row ${i} (pivot ${s}) with ridge ${shift}: raise the ridge or sample more rows than features`);
        }
        l[li + i] = Math.sqrt(s);
      } else {
        l[li + j] = s / l[lj + j];
      }
    }
  }
  return l;
}

/**
 * W (n x m, row-major) minimising ||X W - Y||^2 + lambda ||W||^2 from A = X'X (n x n) and
 * B = X'Y (n x m), lambda = ridge * mean(diag A) (ridge itself when that mean is 0).
 */
export function ridgeSolve(a: Float64Array, n: number, b: Float64Array, m: number, ridge: number): Float64Array {
  if (!Number.isInteger(n) || n <= 0 || !Number.isInteger(m) || m <= 0) throw new RangeError(`ridgeSolve: n and m must be positive integers (got ${n} and ${m})`);
  if (a.length !== n * n) throw new RangeError(`ridgeSolve: A must hold n*n = ${n * n} values (got ${a.length})`);
  if (b.length !== n * m) throw new RangeError(`ridgeSolve: B must hold n*m = ${n * m} values (got ${b.length})`);
  if (!(ridge >= 0)) throw new RangeError(`ridgeSolve: ridge must be >= 0 (got ${ridge})`);
  let trace = 0;
  for (let i = 0; i < n; i++) trace += a[i * n + i];
  const lambda = trace > 0 ? (ridge * trace) / n : ridge;
  const l = choleskyShifted(a, n, lambda);
  // Forward substitution L Z = B, then back substitution L' W = Z, all m columns at once.
  const w = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const row = w.subarray(i * m, (i + 1) * m);
    for (let k = 0; k < i; k++) {
      const lik = l[i * n + k];
      if (lik === 0) continue;
      const zk = w.subarray(k * m, (k + 1) * m);
      for (let c = 0; c < m; c++) row[c] -= lik * zk[c];
    }
    const d = l[i * n + i];
    for (let c = 0; c < m; c++) row[c] /= d;
  }
  for (let i = n - 1; i >= 0; i--) {
    const row = w.subarray(i * m, (i + 1) * m);
    for (let k = i + 1; k < n; k++) {
      const lki = l[k * n + i];
      if (lki === 0) continue;
      const wk = w.subarray(k * m, (k + 1) * m);
      for (let c = 0; c < m; c++) row[c] -= lki * wk[c];
    }
    const d = l[i * n + i];
    for (let c = 0; c < m; c++) row[c] /= d;
  }
  return w;
}

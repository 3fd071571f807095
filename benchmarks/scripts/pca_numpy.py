#!/usr/bin/python3
"""numpy reference for Orchard's PCA fit: covariance + symmetric eigendecomposition of the same rows.

Reads the raw little-endian float64 n x d file that PcaVsMllib --dump writes (loading is not timed), then times
mean + centring + X^T X (BLAS gemm/syrk), and eigh (LAPACK dsyevd), and keeps the top k, like Orchard's fit.
Run with the system python (/usr/bin/python3, Debian's python3-numpy), whose BLAS is libblas.so.3: OpenBLAS once
libopenblas0-pthread is installed (the script prints which library is mapped).

    /usr/bin/python3 benchmarks/scripts/pca_numpy.py FILE ROWS DIM K [REPEATS]
"""
import os
import sys
import time

import numpy as np


def blas_library():
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "blas" in line or "lapack" in line}
    return ", ".join(sorted(os.path.realpath(p) for p in libs if p.startswith("/"))) or "unknown"


def main():
    path, n, d, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    x = np.fromfile(path, dtype="<f8", count=n * d).reshape(n, d)
    print(f"numpy {np.__version__}, BLAS/LAPACK mapped: {blas_library()}, threads "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')}", flush=True)
    for _ in range(repeats):
        t0 = time.perf_counter()
        c0 = time.process_time()
        mean = x.mean(axis=0)
        xc = x - mean
        cov = (xc.T @ xc) / (n - 1)
        del xc
        t1 = time.perf_counter()
        w, v = np.linalg.eigh(cov)
        top = w[::-1][:k]
        ratio = top / np.trace(cov)
        t2 = time.perf_counter()
        c2 = time.process_time()
        print(f"numpy {n} x {d}, k={k}: total {t2 - t0:7.2f} s, CPU {c2 - c0:7.2f} s  (covariance {t1 - t0:6.2f} s = "
              f"{n * d * (d + 1) / (t1 - t0) / 1e9:.1f} GFLOP/s, eigh {t2 - t1:6.2f} s)  "
              f"ratio[0] {ratio[0]:.6f}  load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()

"""Engine benchmark: ``loss_and_gradients`` against PyTorch's cross_entropy.

For each size, the same data goes through

    numpy      explorer.engine.loss_and_gradients(W, b, X, y): loss, dW, db
               (input validation included)
    reference  the same input checks, then the straightforward NumPy computation
               the engine used before (one (N, C) score matrix, whole-array
               operations; still the engine's fallback when something overflows)
    torch      F.cross_entropy(X @ W + b, y) forward + backward on CPU tensors
               sharing the NumPy arrays' memory: loss, W.grad, b.grad

Runs alternate (numpy, reference, torch, then reference, torch, numpy, ...:
the order rotates) so that a busy machine slows all three alike; the printed
times are medians and ``ratio`` is the median over rounds of numpy time /
torch time (< 1: NumPy is faster). Both NumPy versions include the engine's
input checks.

PyTorch is optional; without it the torch columns are skipped. To install
the CPU build:  pip install torch --index-url https://download.pytorch.org/whl/cpu

Usage:
    python benchmarks/engine.py              # N in {1e3, 1e5, 1e6}, C in {3, 10}, float32/64
    python benchmarks/engine.py --quick      # a few seconds
    python benchmarks/engine.py --json       # one JSON object per row
    python benchmarks/engine.py --torch-threads 1
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from explorer.engine import _threads, loss_and_gradients  # noqa: E402
from explorer.engine.core import _check_loss_args, _loss_terms_reference  # noqa: E402

SIZES = (1_000, 100_000, 1_000_000)
CLASSES = (3, 10)
DTYPES = ("float32", "float64")
# rounds per size: enough for a stable median, the whole run in ~2 minutes
ROUNDS = {1_000: 300, 10_000: 100, 100_000: 30, 1_000_000: 7}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a few-second smoke run")
    p.add_argument("--json", action="store_true", help="print one JSON object per row")
    p.add_argument("--n", type=int, nargs="+", help=f"numbers of samples (default {SIZES})")
    p.add_argument("--classes", type=int, nargs="+", default=list(CLASSES))
    p.add_argument("--dtype", nargs="+", default=list(DTYPES), choices=DTYPES)
    p.add_argument("--features", type=int, default=2, help="D, columns of X (the app: 2 to 7)")
    p.add_argument("--rounds", type=int, help="alternating rounds per row (default by size)")
    p.add_argument("--no-reference", action="store_true", help="skip the straightforward NumPy version")
    p.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    p.add_argument("--torch-threads", type=int, help="torch.set_num_threads (default: torch's own)")
    args = p.parse_args(argv)
    if args.quick:
        args.n = args.n or [1_000, 10_000]
        args.classes = [3]
        args.rounds = args.rounds or 5
    args.n = args.n or list(SIZES)
    return args


def load_torch(args):
    if args.no_torch:
        return None
    try:
        import torch
    except ImportError:
        print("# PyTorch not installed: torch columns skipped. To compare, install the CPU build:\n"
              "#   pip install torch --index-url https://download.pytorch.org/whl/cpu",
              file=sys.stderr)
        return None
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    return torch


def make_problem(n, C, D, dtype, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(scale=2.0, size=(n, D)).astype(dtype)
    y = rng.integers(0, C, size=n)
    W = rng.normal(size=(D, C)).astype(dtype)
    b = rng.normal(scale=0.5, size=C).astype(dtype)
    return W, b, X, y


def bench_row(n, C, D, dtype, rounds, torch, reference):
    W, b, X, y = make_problem(n, C, D, dtype)
    fns = {"numpy": lambda: loss_and_gradients(W, b, X, y)}
    if reference:
        def ref():  # the same input checks, then the straightforward computation
            t = _loss_terms_reference(*_check_loss_args(W, b, X, y, 0.0, "softmax"))
            return t.total, t.dW, t.db
        fns["reference"] = ref
    if torch is not None:
        import torch.nn.functional as F

        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

        def torch_ce():
            Wt = torch.from_numpy(W).requires_grad_()
            bt = torch.from_numpy(b).requires_grad_()
            loss = F.cross_entropy(Xt @ Wt + bt, yt)
            loss.backward()
            return loss.item(), Wt.grad, bt.grad
        fns["torch"] = torch_ce
    # same answers (a benchmark of wrong code is worthless)
    loss, dW, db = fns["numpy"]()
    tol = 1e-4 if dtype == "float32" else 1e-9
    for name in fns:
        if name != "numpy":
            l2, dW2, db2 = fns[name]()
            dW2, db2 = np.asarray(dW2), np.asarray(db2)
            assert abs(loss - float(l2)) <= tol * max(1.0, abs(loss)), (name, loss, l2)
            assert np.allclose(dW, dW2, rtol=tol * 10, atol=tol), name
            assert np.allclose(db, db2, rtol=tol * 10, atol=tol), name
    for f in fns.values():  # warm up
        f()
    times = {name: [] for name in fns}
    names = list(fns)
    for r in range(rounds):
        # rotate the order: whatever runs right after torch shares the CPU with its
        # idle worker threads, which spin for a while before they sleep
        for name in names[r % len(names):] + names[:r % len(names)]:
            start = time.perf_counter()
            fns[name]()
            times[name].append(time.perf_counter() - start)
    row = {"n_samples": n, "classes": C, "features": D, "dtype": dtype, "rounds": rounds}
    for name, ts in times.items():
        row[f"{name}_ms"] = 1000 * statistics.median(ts)
    if "torch" in times:
        row["ratio"] = statistics.median(a / t for a, t in zip(times["numpy"], times["torch"]))
        if "reference" in times:
            row["reference_ratio"] = statistics.median(
                a / t for a, t in zip(times["reference"], times["torch"]))
    return row


def header(torch) -> str:
    cfg = np.show_config(mode="dicts") if hasattr(np, "show_config") else {}
    blas = cfg.get("Build Dependencies", {}).get("blas", {}) if isinstance(cfg, dict) else {}
    env = {k: os.environ[k] for k in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
           if k in os.environ}
    line = (f"# engine benchmark: python {platform.python_version()}, numpy {np.__version__} "
            f"({blas.get('name', '?')} {blas.get('version', '')}), {os.cpu_count()} CPUs, "
            f"thread env {env or 'unset'}, engine helper thread "
            f"{'on' if _threads.enabled else 'off (SOFTMAX_EXPLORER_THREADS)'}")
    if torch is not None:
        line += f", torch {torch.__version__} ({torch.get_num_threads()} threads)"
    return line


def main(argv=None) -> int:
    args = parse_args(argv)
    torch = load_torch(args)
    if not args.json:
        print(header(torch))
        cols = ["N", "C", "dtype", "numpy ms", "reference ms", "torch ms", "ratio", "ref ratio"]
        print(" | ".join(f"{c:>12}" for c in cols))
    for n in args.n:
        rounds = args.rounds or ROUNDS.get(n, max(5, int(3e7 // max(n, 1) // 100)))
        for C in args.classes:
            for dtype in args.dtype:
                row = bench_row(n, C, args.features, dtype, rounds, torch, not args.no_reference)
                if args.json:
                    print(json.dumps({k: round(v, 4) if isinstance(v, float) else v
                                      for k, v in row.items()}), flush=True)
                    continue

                def cell(key, fmt="{:.3f}"):
                    return fmt.format(row[key]) if key in row else "-"
                print(" | ".join(f"{c:>12}" for c in [
                    f"{n:,}", C, dtype, cell("numpy_ms"), cell("reference_ms"), cell("torch_ms"),
                    cell("ratio", "{:.2f}"), cell("reference_ratio", "{:.2f}")]), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

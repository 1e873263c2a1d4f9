"""scikit-learn on the same synthetic customers as bench/model/refit.ts, for comparison.

refit.ts starts this script with --serve and interleaves its own measurements with these, one
repetition each in turn, so both see the same load on a shared machine. Each request is one JSON
line on stdin naming a measurement; the reply is one JSON line with its wall-clock and CPU times.
The data and centres are the little-endian float64 row-major matrices refit.ts writes under
bench/results/ (5 columns).

    /usr/bin/python3 bench/model/sklearn.py --serve [--dir bench/results] [--threads N]

Requests: {"op": "fit" | "refit-warm" | "kmeans-full" | "assign", "n": N, "k": K, "seed": S},
optionally "data": the file name of another matrix under --dir (fit and kmeans-full only).
  fit          MiniBatchKMeans(n_clusters=K, batch_size=1024, n_init=3): best of 3 seedings, one run
  refit-warm   MiniBatchKMeans(init=<refit.ts's previous centres>, n_init=1, batch_size=1024)
  kmeans-full  KMeans(n_init=1, algorithm="lloyd"): full k-means from one k-means++ seeding
  assign       predict() with exactly refit.ts's centres: the assignment step alone

Debian's python3-sklearn and python3-numpy (apt-get install -y python3-sklearn python3-numpy).
"""

import argparse
import json
import os
import sys
import time

# This file is itself named sklearn.py: keep its folder off the import path so that `import sklearn`
# finds the library rather than this script.
_here = os.path.dirname(os.path.abspath(__file__))
sys.path = [p for p in sys.path if os.path.abspath(p or os.curdir) != _here]

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
from sklearn.cluster import KMeans, MiniBatchKMeans  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

COLUMNS = 5


def assigner(centres):
    """A fitted estimator whose centres are exactly `centres`, so predict() is the assignment step."""
    model = KMeans(n_clusters=len(centres), init=centres, n_init=1, max_iter=1).fit(centres)
    model.cluster_centers_ = centres.copy()
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", action="store_true", required=True)
    parser.add_argument("--dir", default="bench/results")
    parser.add_argument("--threads", type=int, default=0, help="limit BLAS/OpenMP threads (0: library default)")
    args = parser.parse_args()

    limit = threadpool_limits(limits=args.threads) if args.threads > 0 else None
    threads = max((p.get("num_threads", 1) for p in threadpool_info()), default=1)
    data = {}

    def matrix(name, rows=None):
        if name not in data:
            data[name] = np.fromfile(os.path.join(args.dir, name), dtype="<f8").reshape(-1, COLUMNS)
        return data[name]

    print(json.dumps({"ready": True, "version": sklearn.__version__, "threads": threads}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        n, k, seed, op = req["n"], req["k"], req["seed"], req["op"]
        # "data": another matrix of the same layout under --dir (default: the synthetic customers)
        x = matrix(req.get("data", f"model-synthetic-{n}.f64"))
        if op == "fit":
            run = lambda: MiniBatchKMeans(n_clusters=k, batch_size=1024, n_init=3, random_state=seed).fit(x)
        elif op == "refit-warm":
            previous = matrix(f"model-synthetic-{n}-centres{k}.f64")
            run = lambda: MiniBatchKMeans(
                n_clusters=k, init=previous, n_init=1, batch_size=1024, random_state=seed
            ).fit(x)
        elif op == "kmeans-full":
            run = lambda: KMeans(n_clusters=k, n_init=1, algorithm="lloyd", random_state=seed).fit(x)
        elif op == "assign":
            model = assigner(matrix(f"model-synthetic-{n}-centres{k}.f64"))
            run = lambda: model.predict(x)
        else:
            raise ValueError(op)
        wall = time.perf_counter()
        cpu = time.process_time()
        result = run()
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
        reply = {"ms": wall * 1000, "cpuMs": cpu * 1000}
        if op == "assign":
            centres = matrix(f"model-synthetic-{n}-centres{k}.f64")
            reply["inertia"] = float(((x - centres[result]) ** 2).sum())
        else:
            reply["inertia"] = float(result.inertia_)
            reply["iterations"] = int(getattr(result, "n_steps_", result.n_iter_))
        print(json.dumps(reply), flush=True)
    if limit is not None:
        limit.restore_original_limits()


if __name__ == "__main__":
    main()

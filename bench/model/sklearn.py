"""scikit-learn on the same synthetic customers as bench/model/refit.ts, for comparison.

Reads the matrices refit.ts wrote under bench/results/ (little-endian float64, row-major, 5 columns)
and times MiniBatchKMeans (cold fit with n_init=3, warm refit from the same centres as the TS
refit), full KMeans (Lloyd, one k-means++ init) and the assignment of every point to the TS
centres, each repeated and reported as the median, one JSON line per measurement.

    /usr/bin/python3 bench/model/sklearn.py [--sizes 100000,1000000] [--repeat 3] [--k 8]
                                            [--dir bench/results] [--threads N]

Debian's python3-sklearn and python3-numpy (apt-get install -y python3-sklearn python3-numpy).
"""

import argparse
import json
import os
import statistics
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
ASSIGN_K = 10


def load(path):
    return np.fromfile(path, dtype="<f8").reshape(-1, COLUMNS)


def measure(base, repeat, run, describe):
    times = []
    result = None
    for rep in range(repeat):
        started = time.perf_counter()
        result = run(rep)
        times.append((time.perf_counter() - started) * 1000)
    record = dict(base, medianMs=round(statistics.median(times), 1), runsMs=[round(t, 1) for t in times])
    record.update(describe(result))
    print(json.dumps(record), flush=True)
    return result


def fit_fields(model):
    fields = {"inertia": round(float(model.inertia_), 3)}
    if hasattr(model, "n_steps_"):
        fields["iterations"] = int(model.n_steps_)
    else:
        fields["iterations"] = int(model.n_iter_)
    return fields


def assigner(centres):
    """A fitted estimator whose centres are exactly `centres`, so predict() is the assignment step."""
    model = KMeans(n_clusters=len(centres), init=centres, n_init=1, max_iter=1).fit(centres)
    model.cluster_centers_ = centres.copy()
    return model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--k", type=int, default=8)
    parser.add_argument("--dir", default="bench/results")
    parser.add_argument("--threads", type=int, default=0, help="limit BLAS/OpenMP threads (0: library default)")
    args = parser.parse_args()

    limit = threadpool_limits(limits=args.threads) if args.threads > 0 else None
    threads = max((p.get("num_threads", 1) for p in threadpool_info()), default=1)
    k = args.k
    for n in (int(s) for s in args.sizes.split(",")):
        stem = os.path.join(args.dir, f"model-synthetic-{n}")
        x = load(f"{stem}.f64")
        previous = np.fromfile(f"{stem}-centres{k}.f64", dtype="<f8").reshape(k, COLUMNS)
        centres10 = np.fromfile(f"{stem}-centres{ASSIGN_K}.f64", dtype="<f8").reshape(ASSIGN_K, COLUMNS)
        base = {
            "impl": "sklearn",
            "version": sklearn.__version__,
            "threads": threads,
            "n": n,
            "d": COLUMNS,
            "k": k,
            "batchSize": 1024,
        }

        measure(
            dict(base, op="fit", nInit=3),
            args.repeat,
            lambda rep: MiniBatchKMeans(n_clusters=k, batch_size=1024, n_init=3, random_state=rep + 1).fit(x),
            fit_fields,
        )
        measure(
            dict(base, op="refit-warm"),
            args.repeat,
            lambda rep: MiniBatchKMeans(
                n_clusters=k, init=previous, n_init=1, batch_size=1024, random_state=rep + 1
            ).fit(x),
            fit_fields,
        )
        measure(
            dict(base, op="kmeans-full", nInit=1),
            args.repeat,
            lambda rep: KMeans(n_clusters=k, n_init=1, algorithm="lloyd", random_state=rep + 1).fit(x),
            fit_fields,
        )
        for centres in (previous, centres10):
            model = assigner(centres)
            measure(
                dict(base, k=len(centres), op="assign"),
                args.repeat,
                lambda rep, model=model: model.predict(x),
                lambda labels, centres=centres: {
                    "inertia": round(float(((x - centres[labels]) ** 2).sum()), 3),
                },
            )
    if limit is not None:
        limit.restore_original_limits()


if __name__ == "__main__":
    main()

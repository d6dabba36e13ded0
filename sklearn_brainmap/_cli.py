"""The ``brainmap`` command (also ``python -m sklearn_brainmap``)."""

import argparse
import sys
import time

import numpy as np


def _demo_data(random_state):
    """Two random one-layer ReLU 'systems' viewing scikit-learn's digits.

    The source is a model layer, the target a noisy 'neural' population whose units are
    driven by a different random projection of the same images: a mapping must learn
    the relation between the two codes.
    """
    from sklearn.datasets import load_digits

    rng = np.random.default_rng(random_state)
    images = load_digits().data / 16.0
    images -= images.mean(0)
    source = np.maximum(images @ rng.standard_normal((64, 200)), 0)
    drive = np.maximum(images @ rng.standard_normal((64, 60)), 0)
    target = rng.poisson(2.0 * drive) / 2.0
    return source, target


def main(argv=None):
    """Fit each transform class on a built-in example and print cross-validated scores."""
    parser = argparse.ArgumentParser(
        prog="brainmap",
        description="Compare transform classes (mappings between representations) on a "
                    "built-in example and print their cross-validated predictivity.")
    parser.add_argument("--folds", type=int, default=5,
                        help="number of cross-validation folds (default 5)")
    parser.add_argument("--random-state", type=int, default=0)
    args = parser.parse_args(argv)
    if args.folds < 2:
        parser.error(f"--folds must be at least 2, got {args.folds}")

    from sklearn.model_selection import KFold, cross_val_predict
    from sklearn.metrics import r2_score

    from . import OneToOne, Ridge

    X, Y = _demo_data(args.random_state)
    cv = KFold(args.folds, shuffle=True, random_state=args.random_state)
    print(f"Built-in example: {X.shape[0]} digit images, {X.shape[1]} model units -> "
          f"{Y.shape[1]} noisy 'neurons'; {args.folds}-fold cross-validation.\n")
    print(f"{'transform class':<16} {'median R2':>10} {'mean R2':>9} {'time (s)':>9}")
    for name, estimator in [("Ridge", Ridge()), ("OneToOne", OneToOne())]:
        start = time.perf_counter()
        pred = cross_val_predict(estimator, X, Y, cv=cv)
        r2 = r2_score(Y, pred, multioutput="raw_values")
        print(f"{name:<16} {np.median(r2):>10.3f} {np.mean(r2):>9.3f} "
              f"{time.perf_counter() - start:>9.2f}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

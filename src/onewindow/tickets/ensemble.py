"""The dense half of the ticket classifier and how its members are joined. Pure numpy/sklearn.

Members, each giving one score per class for a text (higher = more likely):

- ``sparse``: the calibrated linear SVM on word and character n-grams (classifier.py);
- ``knn``: the k nearest labelled texts by cosine of their sentence embeddings, each voting
  ``exp(SHARPNESS * cosine)`` for its label (paraphrases of known requests);
- ``linear``: a multinomial logistic regression on standardised embeddings;
- ``joint``: a second calibrated linear SVM on the sparse n-grams *and* the embedding side by
  side (one weight vector over both, so an n-gram can outweigh or confirm the embedding for a
  class: what separates sibling departments that late fusion of two separate models cannot);
- ``describe``: the cosine of the text to the nearest *description* of each class (its name,
  its path in the category tree, the names below it, knowledge-base questions): the signal that
  also works with no labelled data at all (zero-shot).

``Stack`` joins them: ``softmax(sum_k w_k * score_k)`` with non-negative weights fitted by
minimising the log loss of out-of-fold scores of the training set. The weights therefore also
calibrate the result (a weight is a temperature), and a member that does not help gets a weight
near 0. ``rollup``/``auto_threshold`` use class labels that are category paths
("城乡建设 / 城市建设和市政管理 / 环境卫生"): the probability of a node is the sum over the classes
below it, so a ticket can be routed at the deepest level the model is sure enough of.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

PATH_SEP = " / "
KNN_K = 10
SHARPNESS = 20.0
LINEAR_C = 0.03
LINEAR_MAX_CLASSES = 60  # above that the regression costs minutes; kNN carries the dense signal
ZERO_SHOT_WEIGHT = 25.0  # cosine differences of e5 are small: 0.04 apart ≈ e^1 (see docs)


# --- Members -------------------------------------------------------------------------------------
@dataclass
class KnnMember:
    """Votes of the k nearest training texts (embeddings are L2-normalised: dot = cosine)."""

    vectors: np.ndarray  # (n, d) float32
    targets: np.ndarray  # (n,) class indexes
    n_classes: int
    k: int = KNN_K

    def scores(self, queries: np.ndarray, *, exclude_self: bool = False) -> np.ndarray:
        sims = queries @ self.vectors.T
        if exclude_self:
            np.fill_diagonal(sims, -np.inf)
        k = min(self.k, sims.shape[1])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_sims = np.take_along_axis(sims, top, axis=1)
        votes = np.zeros((len(queries), self.n_classes), dtype=np.float64)
        weights = np.exp(SHARPNESS * (top_sims - 1.0))  # ≤ 1, no overflow
        np.add.at(votes, (np.repeat(np.arange(len(queries)), k), self.targets[top].ravel()),
                  weights.ravel())
        # log of the vote share, floored: a class nobody near voted for is unlikely, not impossible
        share = votes / np.maximum(votes.sum(axis=1, keepdims=True), 1e-12)
        return np.log(share + 1e-3)


@dataclass
class LinearMember:
    """Logistic regression on standardised embeddings."""

    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray  # (n_classes, d)
    intercept: np.ndarray
    classes_index: np.ndarray  # columns of coef → class indexes

    @classmethod
    def fit(cls, vectors: np.ndarray, targets: np.ndarray, n_classes: int,
            C: float = LINEAR_C) -> LinearMember | None:
        present = np.unique(targets)
        if len(present) < 2:
            return None
        mean = vectors.mean(axis=0)
        scale = vectors.std(axis=0) + 1e-6
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lr = LogisticRegression(C=C, max_iter=500).fit((vectors - mean) / scale, targets)
        coef = lr.coef_ if len(present) > 2 else np.vstack([-lr.coef_[0], lr.coef_[0]])
        intercept = lr.intercept_ if len(present) > 2 else np.array([-lr.intercept_[0],
                                                                     lr.intercept_[0]])
        return cls(mean=mean.astype(np.float32), scale=scale.astype(np.float32),
                   coef=coef.astype(np.float32), intercept=intercept.astype(np.float32),
                   classes_index=lr.classes_.astype(int))

    def scores(self, queries: np.ndarray, n_classes: int) -> np.ndarray:
        logits = ((queries - self.mean) / self.scale) @ self.coef.T + self.intercept
        out = np.full((len(queries), n_classes), -30.0)
        out[:, self.classes_index] = log_softmax(logits, axis=1)
        return out


JOINT_EMBEDDING_WEIGHT = 1.0  # each block (words, characters, embedding) has unit L2 norm


@dataclass
class JointMember:
    """A linear SVM's weights over [sparse n-gram features | embedding]: scores are
    ``X @ sparse_coef.T + vectors @ dense_coef.T + intercept`` (classes as the sparse model's)."""

    sparse_coef: np.ndarray  # (n_classes, n_features) float32
    dense_coef: np.ndarray  # (n_classes, dim) float32, already multiplied by the block weight
    intercept: np.ndarray  # (n_classes,)
    temperature: float = 1.0

    @classmethod
    def split(cls, coef: np.ndarray, intercept: np.ndarray, n_sparse: int, *,
              weight: float = JOINT_EMBEDDING_WEIGHT, temperature: float = 1.0) -> JointMember:
        coef = np.asarray(coef, dtype=np.float32)
        if coef.shape[0] == 1:  # two classes: one weight vector for classes_[1]
            coef = np.vstack([-coef[0], coef[0]])
            intercept = np.array([-intercept[0], intercept[0]])
        return cls(sparse_coef=np.ascontiguousarray(coef[:, :n_sparse]),
                   dense_coef=np.ascontiguousarray(coef[:, n_sparse:] * weight),
                   intercept=np.asarray(intercept, dtype=np.float32), temperature=temperature)

    def scores(self, features: object, vectors: np.ndarray) -> np.ndarray:
        sparse_part = np.asarray(features @ self.sparse_coef.T)  # type: ignore[operator]
        return sparse_part + vectors @ self.dense_coef.T + self.intercept


@dataclass
class DescribeMember:
    """Cosine to the nearest description of each class."""

    vectors: np.ndarray  # (m, d) description embeddings (passages)
    owners: np.ndarray  # (m,) class index of each description
    n_classes: int

    def scores(self, queries: np.ndarray) -> np.ndarray:
        sims = queries @ self.vectors.T
        out = np.full((len(queries), self.n_classes), -1.0, dtype=np.float64)
        for c in range(self.n_classes):
            cols = self.owners == c
            if cols.any():
                out[:, c] = sims[:, cols].max(axis=1)
        return out


# --- Stacking ------------------------------------------------------------------------------------
@dataclass
class Stack:
    """``softmax(sum_k weights[k] * scores[k])``."""

    members: tuple[str, ...]
    weights: tuple[float, ...]

    def proba(self, scores: dict[str, np.ndarray]) -> np.ndarray:
        total = sum(w * scores[m] for m, w in zip(self.members, self.weights, strict=True)
                    if w > 0)
        if isinstance(total, int):  # every weight is 0
            first = scores[self.members[0]]
            return np.full(first.shape, 1.0 / first.shape[1])
        return softmax(total, axis=1)

    def as_dict(self) -> dict[str, float]:
        return {m: round(w, 4) for m, w in zip(self.members, self.weights, strict=True)}


def stack_fit(scores: dict[str, np.ndarray], targets: np.ndarray,
              start: dict[str, float] | None = None) -> Stack:
    """Non-negative weights minimising the log loss of the joined out-of-fold scores."""
    members = tuple(scores)
    blocks = [np.asarray(scores[m], dtype=np.float64) for m in members]
    # centre each row: softmax ignores a constant per row, the optimiser likes small numbers
    blocks = [b - b.mean(axis=1, keepdims=True) for b in blocks]
    rows = np.arange(len(targets))

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        logits = sum(wi * b for wi, b in zip(w, blocks, strict=True))
        logp = log_softmax(logits, axis=1)
        p = np.exp(logp)
        value = -logp[rows, targets].mean()
        grad = np.array([-(b[rows, targets] - (p * b).sum(axis=1)).mean() for b in blocks])
        return float(value), grad

    x0 = np.array([(start or {}).get(m, 1.0) for m in members], dtype=np.float64)
    result = minimize(loss, x0, jac=True, method="L-BFGS-B", bounds=[(0.0, 500.0)] * len(members))
    weights = result.x if result.success or np.isfinite(result.fun) else x0
    return Stack(members=members, weights=tuple(float(w) for w in weights))


# --- Hierarchy: category paths -------------------------------------------------------------------
@dataclass
class Hierarchy:
    """Nodes (every prefix of the class paths) and which classes lie below each."""

    nodes: list[str]
    depth: np.ndarray  # (nodes,)
    below: np.ndarray  # (classes, nodes) 0/1
    leaf_paths: list[list[int]] = field(default_factory=list)  # class → its node indexes, root first

    @classmethod
    def of(cls, classes: Sequence[str]) -> Hierarchy | None:
        if not any(PATH_SEP in c for c in classes):
            return None
        index: dict[str, int] = {}
        nodes: list[str] = []
        paths: list[list[int]] = []
        for label in classes:
            parts = [p.strip() for p in label.split(PATH_SEP)]
            chain = []
            for i in range(1, len(parts) + 1):
                node = PATH_SEP.join(parts[:i])
                if node not in index:
                    index[node] = len(nodes)
                    nodes.append(node)
                chain.append(index[node])
            paths.append(chain)
        below = np.zeros((len(classes), len(nodes)), dtype=np.float64)
        for c, chain in enumerate(paths):
            below[c, chain] = 1.0
        depth = np.array([n.count(PATH_SEP) + 1 for n in nodes])
        return cls(nodes=nodes, depth=depth, below=below, leaf_paths=paths)

    def node_proba(self, proba: np.ndarray) -> np.ndarray:
        return proba @ self.below

    def choose(self, node_proba: np.ndarray, threshold: float) -> np.ndarray:
        """Per row, the deepest node with probability ≥ threshold (−1 when none)."""
        ok = node_proba >= threshold
        # deepest first, then the most probable
        key = np.where(ok, self.depth[None, :] * 10.0 + node_proba, -1.0)
        best = key.argmax(axis=1)
        return np.where(ok.any(axis=1), best, -1)

    def is_under(self, node: int, label_index: int) -> bool:
        return node in self.leaf_paths[label_index]


def wilson_lower(right: int, n: int, z: float) -> float:
    """Lower end of the Wilson score interval of a proportion (``z`` standard errors)."""
    if n == 0:
        return 0.0
    p = right / n
    if z <= 0:
        return p
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return float((centre - spread) / (1 + z * z / n))


def auto_threshold(proba: np.ndarray, targets: np.ndarray, *, precision: float = 0.95,
                   hierarchy: Hierarchy | None = None, margin_z: float = 0.0
                   ) -> dict[str, float | None]:
    """The lowest confidence threshold at which the suggestions above it are right ≥ precision.

    With a hierarchy a suggestion is the deepest node sure enough, right when the true class
    lies below it. Returns the threshold, the share sent automatically and their accuracy.
    ``margin_z`` > 0 asks the Wilson lower bound (that many standard errors) of that accuracy to
    reach ``precision``: the lowest threshold whose point estimate just reaches it is chosen on
    a noisy curve and falls short on new rows (taidi: 93–94 % right instead of 95, see
    docs/benchmarks.md).
    """
    if len(targets) == 0:
        return {"threshold": None, "auto_share": 0.0, "auto_accuracy": None, "precision": precision}
    grid = np.round(np.arange(0.30, 1.0, 0.01), 2)
    node_p = hierarchy.node_proba(proba) if hierarchy else None
    for t in grid:
        if hierarchy is not None and node_p is not None:
            chosen = hierarchy.choose(node_p, float(t))
            auto = chosen >= 0
            right = np.array([auto[i] and hierarchy.is_under(int(chosen[i]), int(targets[i]))
                              for i in range(len(targets))])
        else:
            auto = proba.max(axis=1) >= t
            right = auto & (proba.argmax(axis=1) == targets)
        if not auto.any():
            break
        acc = right[auto].mean()
        if wilson_lower(int(right[auto].sum()), int(auto.sum()), margin_z) >= precision:
            return {"threshold": float(t), "auto_share": round(float(auto.mean()), 4),
                    "auto_accuracy": round(float(acc), 4), "precision": precision}
    return {"threshold": None, "auto_share": 0.0, "auto_accuracy": None, "precision": precision}

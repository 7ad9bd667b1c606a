"""Clustering: from scored pairs and review decisions to entities.

Shared by the link stage (the register) and estimation (each drawn linkage is clustered
exactly as the register was), so it depends on neither.

Records linked by a pair at or above the threshold are one person (connected
components), with reviewers' decisions on top: a must-link joins two records whatever
their score; a cannot-link keeps two records in different entities even when other
pairs chain them together. Such a chain is cut where it is weakest: inside a component
that holds a cannot-link pair, links are added strongest first and a link that would
join the two sides of a cannot-link is left out.

Connected components run in scipy over all records at once; only the (few) components
with a cannot-link are rebuilt link by link, in a compiled loop.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def default_max_entity_records(n_sources: int) -> int:
    """More records than this in one entity is a chain of namesakes, not a person: a
    person is on each list at most once, but for a few duplicates."""
    return max(10, 2 * n_sources + 4)


def cannot_links(left: np.ndarray, right: np.ndarray, vetoed: np.ndarray,
                 must: tuple[np.ndarray, np.ndarray] | None,
                 declined: tuple[np.ndarray, np.ndarray] | None,
                 ) -> tuple[np.ndarray, np.ndarray] | None:
    """The pairs that must end in different entities: every vetoed pair (a disagreement
    no weight overcomes) unless a reviewer decided it is a match, and every pair a
    reviewer decided is not one. Pairs are (record_id_l, record_id_r) with l < r."""
    veto_l, veto_r = left[vetoed], right[vetoed]
    if must is not None and len(must[0]):
        agreed = np.isin(veto_l * (1 << 32) + veto_r, must[0] * (1 << 32) + must[1])
        veto_l, veto_r = veto_l[~agreed], veto_r[~agreed]
    if declined is not None:
        veto_l = np.concatenate([veto_l, declined[0]])
        veto_r = np.concatenate([veto_r, declined[1]])
    return (veto_l, veto_r) if len(veto_l) else None


@dataclass(frozen=True)
class Clusters:
    """``labels[i]`` is the cluster of ``record_ids[i]``; clusters are numbered 0..n-1 in
    order of their smallest record id."""

    record_ids: np.ndarray
    labels: np.ndarray
    cut_links: int  # links above the threshold left out to honour cannot-links
    split_components: int = 0  # components too large to be one person, split

    @property
    def n_clusters(self) -> int:
        return int(self.labels.max()) + 1 if len(self.labels) else 0


def cluster(record_ids: np.ndarray, left: np.ndarray, right: np.ndarray,
            probability: np.ndarray, threshold: float, *,
            must_link: tuple[np.ndarray, np.ndarray] | None = None,
            cannot_link: tuple[np.ndarray, np.ndarray] | None = None,
            max_size: int | None = None) -> Clusters:
    """Cluster ``record_ids`` given scored pairs (``left[k]``, ``right[k]``,
    ``probability[k]``, record ids) and decisions (pairs of record-id arrays).

    A component of more than ``max_size`` records is no person: a chain of links
    through namesakes. Its links are raised to stricter thresholds (``SPLIT_STEPS``)
    until every piece is small enough (reviewers' must-links always hold)."""
    record_ids = np.asarray(record_ids, dtype=np.int64)
    order = np.argsort(record_ids, kind="stable")
    sorted_ids = record_ids[order]
    n = len(record_ids)

    def index(ids: np.ndarray) -> np.ndarray:
        pos = np.searchsorted(sorted_ids, ids)
        pos = np.clip(pos, 0, max(n - 1, 0))
        ok = n > 0 and np.all(sorted_ids[pos] == ids)
        if not ok and len(ids):
            raise ValueError("a pair names a record that is not being clustered")
        return order[pos]

    keep = np.asarray(probability) >= threshold
    li, ri = index(np.asarray(left)[keep]), index(np.asarray(right)[keep])
    weights = np.asarray(probability, dtype=np.float64)[keep]
    if must_link is not None and len(must_link[0]):
        ml, mr = index(np.asarray(must_link[0])), index(np.asarray(must_link[1]))
        li, ri = np.concatenate([li, ml]), np.concatenate([ri, mr])
        weights = np.concatenate([weights, np.full(len(ml), 2.0)])  # before any score
    cannot = ((index(np.asarray(cannot_link[0])), index(np.asarray(cannot_link[1])))
              if cannot_link is not None and len(cannot_link[0]) else None)
    if cannot is not None:
        # A cannot-link beats a score, not another reviewer's must-link on the same
        # pair: the latest decision per pair is all that reaches here.
        def pair_code(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            return np.minimum(a, b).astype(np.int64) * n + np.maximum(a, b)

        drop = np.isin(pair_code(li, ri), pair_code(*cannot))
        li, ri, weights = li[~drop], ri[~drop], weights[~drop]
    graph = coo_matrix((np.ones(len(li)), (li, ri)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    split = 0
    if max_size is not None:
        labels, split = _split_large(labels, li, ri, weights, threshold, max_size)
    cut = 0
    if cannot is not None:
        labels, cut = _honour_cannot_links(labels, li, ri, weights, cannot[0], cannot[1])
    return Clusters(record_ids, _renumber(labels, record_ids), cut, split)


# Stricter thresholds tried in turn on components that are too large to be one person.
SPLIT_STEPS = (0.6, 0.8, 0.9, 0.95, 0.99, 0.999, 0.9999)


def _split_large(labels: np.ndarray, li: np.ndarray, ri: np.ndarray, weights: np.ndarray,
                 threshold: float, max_size: int) -> tuple[np.ndarray, int]:
    """Split components of more than ``max_size`` records by connected components of
    their stronger links, threshold by threshold. Returns the labels and how many
    components were split."""
    n = len(labels)
    split = int(np.count_nonzero(np.bincount(labels) > max_size))
    for step in (t for t in SPLIT_STEPS if t > threshold):
        large = np.bincount(labels) > max_size
        if not large.any():
            break
        in_large = large[labels]
        keep = in_large[li] & (labels[li] == labels[ri]) & (weights >= step)
        graph = coo_matrix((np.ones(int(keep.sum())), (li[keep], ri[keep])), shape=(n, n))
        _, pieces = connected_components(graph, directed=False)
        nodes = np.flatnonzero(in_large)
        labels = labels.copy()
        labels[nodes] = labels.max() + 1 + pieces[nodes]
        labels = np.unique(labels, return_inverse=True)[1]
    return labels, split


def _honour_cannot_links(labels: np.ndarray, li: np.ndarray, ri: np.ndarray,
                         weights: np.ndarray, ca: np.ndarray,
                         cb: np.ndarray) -> tuple[np.ndarray, int]:
    """Rebuild the components that hold a cannot-link pair, strongest link first."""
    bad = np.unique(labels[ca][labels[ca] == labels[cb]])
    if len(bad) == 0:
        return labels, 0
    in_bad = np.isin(labels[li], bad) & (labels[li] == labels[ri])
    sel = np.flatnonzero(in_bad)
    # strongest first; ties broken by record ids, so the result never depends on the
    # order the pairs were read in
    sel = sel[np.lexsort((ri[sel], li[sel], -weights[sel]))]
    cannot_in = np.isin(labels[ca], bad) & (labels[ca] == labels[cb])
    nodes = np.flatnonzero(np.isin(labels, bad))
    parent = np.arange(len(labels), dtype=np.int64)
    cut = _constrained_union(parent, li[sel], ri[sel], ca[cannot_in], cb[cannot_in])
    new = labels.copy()
    roots = _find_all(parent, nodes)
    new[nodes] = labels.max() + 1 + roots  # distinct from every untouched label
    return new, cut


@numba.njit(cache=True)
def _find(parent: np.ndarray, v: int) -> int:
    while parent[v] != v:
        parent[v] = parent[parent[v]]
        v = parent[v]
    return v


@numba.njit(cache=True)
def _find_all(parent: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    roots = np.empty(len(nodes), dtype=np.int64)
    for i in range(len(nodes)):
        roots[i] = _find(parent, nodes[i])
    return roots


@numba.njit(cache=True)
def _constrained_union(parent: np.ndarray, li: np.ndarray, ri: np.ndarray,
                       ca: np.ndarray, cb: np.ndarray) -> int:
    """Union-find over links in the given order, skipping any link that would put both
    records of a cannot-link pair in one set. Returns how many links were skipped.

    Each set keeps the list of records it must not join (as set roots, refreshed
    lazily), so a link is checked against the cannot-links of its two sets only.
    """
    n = len(parent)
    # adjacency of cannot-links per node, as CSR
    deg = np.zeros(n + 1, dtype=np.int64)
    for k in range(len(ca)):
        deg[ca[k] + 1] += 1
        deg[cb[k] + 1] += 1
    start = np.cumsum(deg)
    fill = start[:-1].copy()
    adj = np.empty(2 * len(ca), dtype=np.int64)
    for k in range(len(ca)):
        adj[fill[ca[k]]] = cb[k]
        fill[ca[k]] += 1
        adj[fill[cb[k]]] = ca[k]
        fill[cb[k]] += 1
    # members of each set (linked lists), to walk a set's cannot-links on a merge
    nxt = np.full(n, -1, dtype=np.int64)
    tail = np.arange(n, dtype=np.int64)
    has_cl = np.zeros(n, dtype=np.bool_)
    for k in range(len(ca)):
        has_cl[ca[k]] = True
        has_cl[cb[k]] = True
    set_has_cl = has_cl.copy()
    skipped = 0
    for k in range(len(li)):
        a = _find(parent, li[k])
        b = _find(parent, ri[k])
        if a == b:
            continue
        conflict = False
        if set_has_cl[a] and set_has_cl[b]:
            v = a
            while v != -1 and not conflict:
                if has_cl[v]:
                    for j in range(start[v], start[v + 1]):
                        if _find(parent, adj[j]) == b:
                            conflict = True
                            break
                v = nxt[v]
        if conflict:
            skipped += 1
            continue
        parent[b] = a
        nxt[tail[a]] = b
        tail[a] = tail[b]
        set_has_cl[a] = set_has_cl[a] or set_has_cl[b]
    return skipped


def _renumber(labels: np.ndarray, record_ids: np.ndarray) -> np.ndarray:
    """Clusters numbered in order of their smallest record id."""
    if len(labels) == 0:
        return labels.astype(np.int64)
    by_id = labels[np.argsort(record_ids, kind="stable")]
    distinct, first = np.unique(by_id, return_index=True)
    mapping = np.empty(int(labels.max()) + 1, dtype=np.int64)
    mapping[distinct] = np.argsort(np.argsort(first))
    return mapping[labels]

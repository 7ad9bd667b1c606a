"""Decomposable (chordal) graphs on K labelled lists, with their cliques and separators.

A decomposable graphical model for K lists says which lists are dependent given the
others; its likelihood factorises over the maximal cliques of the graph divided by the
separators of a junction tree (Dawid & Lauritzen 1993). For K <= 5 all 2^(K(K-1)/2)
graphs can be listed and tested: 8, 61 and 822 of them are chordal for K = 3, 4, 5
(OEIS A058862).

Vertex sets are bit masks: bit j is list j.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from itertools import combinations

import numpy as np


@dataclass(frozen=True)
class DecomposableGraph:
    """One decomposable graph: its edges, maximal cliques and junction-tree separators.

    ``cliques`` is a perfect sequence (running intersection property holds in this
    order) and ``separators[i]`` is ``cliques[i + 1]`` intersected with the union of the
    cliques before it; empty separators join disconnected components.
    """

    k: int
    edges: tuple[tuple[int, int], ...]
    cliques: tuple[int, ...]
    separators: tuple[int, ...]

    @property
    def is_saturated(self) -> bool:
        """All lists in one clique: any dependence at all, the unobserved cell unidentified."""
        return self.cliques == ((1 << self.k) - 1,)

    @property
    def is_independence(self) -> bool:
        return not self.edges

    def subset_coefficients(self) -> np.ndarray:
        """+1 per clique and -1 per separator, indexed by vertex-set mask (length 2^K).

        The log marginal likelihood of the graph is this vector dotted with the log
        marginal likelihoods of the marginal tables of every subset of lists.
        """
        coefficients = np.zeros(1 << self.k)
        for clique in self.cliques:
            coefficients[clique] += 1
        for separator in self.separators:
            coefficients[separator] -= 1
        return coefficients

    def notation(self, names: tuple[str, ...] | None = None) -> str:
        """Cliques in brackets, e.g. ``[a,b][b,c][d]`` (lists in a bracket are dependent)."""
        names = names or tuple(str(j + 1) for j in range(self.k))
        ordered = sorted(self.cliques, key=lambda c: [j for j in range(self.k) if c >> j & 1])
        return "".join("[" + ",".join(names[j] for j in range(self.k) if c >> j & 1) + "]"
                       for c in ordered)


@cache
def decomposable_graphs(k: int) -> tuple[DecomposableGraph, ...]:
    """All decomposable graphs on ``k`` labelled vertices (independence graph first)."""
    if not 1 <= k <= 6:
        raise ValueError(f"graphs are enumerated for 1 to 6 lists, not {k}")
    pairs = list(combinations(range(k), 2))
    graphs = []
    for edge_mask in range(1 << len(pairs)):
        edges = tuple(p for b, p in enumerate(pairs) if edge_mask >> b & 1)
        adjacency = [0] * k
        for i, j in edges:
            adjacency[i] |= 1 << j
            adjacency[j] |= 1 << i
        graph = _junction_tree(k, edges, adjacency)
        if graph is not None:
            graphs.append(graph)
    return tuple(graphs)


def _junction_tree(k: int, edges: tuple[tuple[int, int], ...],
                   adjacency: list[int]) -> DecomposableGraph | None:
    """Cliques and separators via maximum cardinality search; None if not chordal.

    Maximum cardinality search (Tarjan & Yannakakis 1984) numbers vertices so that, when
    the graph is chordal, each vertex's earlier neighbours form a clique. The sets
    {v} + earlier neighbours that are maximal, in order of appearance, are a perfect
    sequence of cliques.
    """
    numbered = 0
    order = []
    for _ in range(k):
        v = max((u for u in range(k) if not numbered >> u & 1),
                key=lambda u: ((adjacency[u] & numbered).bit_count(), -u))
        order.append(v)
        numbered |= 1 << v
    seen = 0
    families = []
    for v in order:
        earlier = adjacency[v] & seen
        for u in _members(earlier):
            if earlier & ~(1 << u) & ~adjacency[u]:
                return None  # two earlier neighbours not adjacent: a chordless cycle
        families.append(earlier | 1 << v)
        seen |= 1 << v
    cliques: list[int] = []
    for family in families:
        maximal = not any(family & other == family for other in families if other != family)
        if maximal and family not in cliques:
            cliques.append(family)
    separators = []
    union = cliques[0]
    for clique in cliques[1:]:
        separator = clique & union
        # Running intersection: the separator lies inside one earlier clique.
        assert any(separator & c == separator for c in cliques[:cliques.index(clique)])
        separators.append(separator)
        union |= clique
    return DecomposableGraph(k, edges, tuple(cliques), tuple(separators))


def _members(mask: int) -> list[int]:
    return [j for j in range(mask.bit_length()) if mask >> j & 1]

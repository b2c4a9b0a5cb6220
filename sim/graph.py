"""The dependency graph of systems, walked without recursion: cycles, the order in which health
propagates, layers for drawing, everything a service depends on, and the tree that `explain`
prints. Built on the standard library's `graphlib`, so a chain of any length costs a loop, never
a deep stack.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter


class GraphCycle(ValueError):
    """The graph has a cycle; `cycle` is one of them, as `a -> b -> a`."""

    def __init__(self, cycle: Sequence[str]):
        self.cycle = list(cycle)
        super().__init__(f"dependency cycle among systems: {' -> '.join(self.cycle)}")


@dataclass(frozen=True)
class TreeLine:
    """One line of a printed tree: the node, its parent, how deep it is (0 for a root), whether
    it and its ancestors are the last of their siblings (the innermost `width` levels, outermost
    first, for the connectors), and whether it was shown before."""

    node: str
    parent: str | None
    depth: int
    lasts: tuple[bool, ...]
    repeated: bool


_Lasts = tuple[bool, "_Lasts"] | None
"""Whether each ancestor is a last child, innermost first, as a linked list: a child shares its
parent's list, so a deep tree costs memory in proportion to its size, not its depth squared."""


def _innermost(lasts: _Lasts, width: int) -> tuple[bool, ...]:
    out: list[bool] = []
    while lasts is not None and len(out) < width:
        out.append(lasts[0])
        lasts = lasts[1]
    return tuple(reversed(out))


class DependencyGraph:
    """Nodes and what each one needs (its dependencies). Needs on unknown nodes are left out:
    the checks report those on their own."""

    def __init__(self, needs: Mapping[str, Iterable[str]]):
        self.nodes: list[str] = list(needs)
        known = set(self.nodes)
        self.needs: dict[str, list[str]] = {n: [d for d in needs[n] if d in known] for n in self.nodes}
        self.feeds: dict[str, list[str]] = {n: [] for n in self.nodes}
        for n in self.nodes:
            for d in self.needs[n]:
                self.feeds[d].append(n)

    # ------------------------------------------------------------------ cycles and order
    def cycles(self) -> Iterator[list[str]]:
        """Each cycle once, as a path `a, b, ..., a`, following needs (iterative depth-first)."""
        state: dict[str, int] = {}  # 1 on the current path, 2 done
        reported: set[frozenset[str]] = set()
        for root in self.nodes:
            if state.get(root):
                continue
            stack: list[tuple[str, Iterator[str]]] = [(root, iter(self.needs[root]))]
            on_path = [root]
            state[root] = 1
            while stack:
                node, children = stack[-1]
                nxt = next(children, None)
                if nxt is None:
                    stack.pop()
                    on_path.pop()
                    state[node] = 2
                elif state.get(nxt) == 1:
                    cycle = [*on_path[on_path.index(nxt) :], nxt]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        yield cycle
                elif not state.get(nxt):
                    state[nxt] = 1
                    on_path.append(nxt)
                    stack.append((nxt, iter(self.needs[nxt])))

    def order(self) -> list[str]:
        """Every node after everything it needs; GraphCycle if there is a cycle."""
        try:
            return list(TopologicalSorter(self.needs).static_order())
        except CycleError as exc:
            cycle = list(reversed(exc.args[1])) if len(exc.args) > 1 else []
            raise GraphCycle(cycle) from None

    def layers(self) -> dict[str, int]:
        """0 for a node that needs nothing, else one more than its deepest need. Nodes on or
        behind a cycle get 0."""
        sorter = TopologicalSorter(self.needs)
        layer: dict[str, int] = {}
        try:
            for node in sorter.static_order():
                layer[node] = 1 + max((layer[d] for d in self.needs[node]), default=-1)
        except CycleError:
            pass
        return {n: layer.get(n, 0) for n in self.nodes}

    # ------------------------------------------------------------------ reach
    def upstream(self, starts: Iterable[str]) -> set[str]:
        """`starts` and everything they need, directly or through others."""
        return self._reach(starts, self.needs)

    def downstream(self, starts: Iterable[str]) -> set[str]:
        """`starts` and everything that needs them, directly or through others."""
        return self._reach(starts, self.feeds)

    @staticmethod
    def _reach(starts: Iterable[str], edges: Mapping[str, list[str]]) -> set[str]:
        seen = set(starts)
        todo = list(seen)
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    # ------------------------------------------------------------------ the printed tree
    def roots(self) -> list[str]:
        return [n for n in self.nodes if not self.needs[n]]

    def tree(self, width: int = 1_000) -> Iterator[TreeLine]:
        """The graph as a tree from the roots down (what feeds what), pre-order; a node met a
        second time is marked `repeated` and not expanded again. Nodes reachable only through a
        cycle start trees of their own. Each line carries at most `width` levels of connectors."""
        shown: set[str] = set()
        for root in [*self.roots(), *self.nodes]:
            if root in shown:
                continue
            stack: list[tuple[str, str | None, int, _Lasts]] = [(root, None, 0, None)]
            while stack:
                node, parent, depth, lasts = stack.pop()
                repeated = node in shown
                yield TreeLine(node, parent, depth, _innermost(lasts, width), repeated)
                if repeated:
                    continue
                shown.add(node)
                kids = self.feeds[node]
                for i in range(len(kids) - 1, -1, -1):
                    stack.append((kids[i], node, depth + 1, (i == len(kids) - 1, lasts)))

"""Krippendorff's nominal α, accumulated a block of units at a time.

Agreement computes it per choice control and per layer over every token of the
multi-annotated articles; at token level over a large release the units × values
counts were gigabytes, so only the values × values coincidence matrix is kept.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

HELD_UNITS = 1 << 20  # value pairs `AlphaTally.add_pairs` holds at most (8 MiB of codes)


class AlphaTally:
    """Krippendorff's nominal α, accumulated a block of units at a time.

    Only the values × values coincidence matrix is kept (o_ck = Σ_u n_uc·n_uk/(n_u−1),
    c ≠ k; n_uc(n_uc−1)/(n_u−1) on the diagonal), never the units × values counts: at
    token level over a large release those counts were gigabytes. α = 1 − (n−1)·Σ_{c≠k}
    o_ck / Σ_{c≠k} n_c·n_k, with n_c the coincidence row sums and n their total.
    Units with fewer than two values cannot be paired and do not count.
    """

    def __init__(self, values: int) -> None:
        self.coincidences = np.zeros((values, values))
        self.units = 0
        self._agreeing_pairs = 0.0  # Σ_u Σ_c n_uc(n_uc−1)
        self._pairs = 0.0  # Σ_u n_u(n_u−1)
        # Every coincidence a whole number: sums of whole numbers are exact in floating
        # point, so units of whole coincidences can be added in any grouping.
        self._whole = True
        self._held: list[tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8]]] = []
        self._held_units = 0

    def add(self, value_counts: npt.ArrayLike) -> None:
        """Add units (rows) × values (columns) counts."""
        self._add_held()
        counts = np.asarray(value_counts, dtype=float)
        if not counts.size:
            return
        n_u = counts.sum(axis=1)
        pairable, n_u = counts[n_u >= 2], n_u[n_u >= 2]
        if not len(pairable):
            return
        weighted = pairable / (n_u - 1)[:, None]
        self.coincidences += weighted.T @ pairable - np.diag(weighted.sum(axis=0))
        self.units += len(pairable)
        self._agreeing_pairs += float((pairable * (pairable - 1)).sum())
        self._pairs += float((n_u * (n_u - 1)).sum())
        self._whole = self._whole and bool((self.coincidences % 1 == 0).all())

    def add_pairs(self, first: npt.NDArray[np.uint8], second: npt.NDArray[np.uint8]) -> None:
        """Add units that have exactly two values each, the value indices of their first
        and second: what `add` of their counts adds, without the units × values matrix.
        While every coincidence is a whole number the units are held and added in
        blocks of `HELD_UNITS` (`_add_held`): sums of whole numbers are exact in any
        grouping, and ~2,000 small additions were most of the token α's time."""
        self._held.append((first, second))
        self._held_units += len(first)
        if not self._whole or self._held_units >= HELD_UNITS:
            self._add_held()

    def _add_held(self) -> None:
        """Each held unit is one cell of a values × values table; its coincidences are
        whole numbers (1 each way for two values, 2 on the diagonal for one value twice)."""
        if not self._held:
            return
        values = len(self.coincidences)
        first, second = (np.concatenate(side) for side in zip(*self._held, strict=True))
        self._held.clear()
        self._held_units = 0
        codes = first.astype(np.intp) * values + second
        table = np.bincount(codes, minlength=values * values).reshape(values, values)
        self.coincidences += table + table.T
        self.units += len(codes)
        self._agreeing_pairs += float(2 * np.trace(table))
        self._pairs += float(2 * len(codes))

    def figure(self) -> dict[str, Any]:
        """α with the counts behind it. When fewer than two values were paired, α is
        undefined (no expected disagreement): None, with the observed agreement."""
        self._add_held()
        n_c = self.coincidences.sum(axis=1)
        total = float(n_c.sum())
        figure: dict[str, Any] = {"alpha": None, "units": self.units, "values": round(total),
                                  "observed_agreement": None}
        if not self.units:
            return figure
        figure["observed_agreement"] = self._agreeing_pairs / self._pairs
        if np.count_nonzero(n_c) >= 2:
            observed = float(self.coincidences.sum() - np.trace(self.coincidences))
            expected = total * total - float((n_c * n_c).sum())
            figure["alpha"] = 1.0 - (total - 1.0) * observed / expected
        return figure


def alpha_from_counts(value_counts: npt.ArrayLike) -> dict[str, Any]:
    """Nominal α of a units × values count matrix, with the counts behind it."""
    counts = np.asarray(value_counts, dtype=float)
    tally = AlphaTally(counts.shape[1] if counts.ndim == 2 else 0)
    tally.add(counts)
    return tally.figure()

"""counts before the first record is np.array([]) (shape (0,)) instead of shape (0, num_bins)."""

GROUP = "histograms"
HINT = "hist-tracker-empty"
PATCH = [
    (
        "        if not self._rows:\n            return np.zeros((0, self.num_bins), dtype=np.int64)\n"
        "        return np.stack(self._rows)\n",
        "        return np.array(self._rows, dtype=np.int64)\n",
    )
]

"""Snapshots keep views of the parameters (numpy() without a copy): all end up the final values."""

GROUP = "labs"
HINT = "labs-snapshot-not-copied"
PATCH = [
    (
        "            snaps[n].append(p.detach().cpu().double().numpy().ravel().copy())\n",
        "            snaps[n].append(p.detach().numpy().ravel())\n",
    ),
    (
        "    return {n: np.stack(snaps[n]) for n in names}\n",
        "    return {n: np.stack(snaps[n]).astype(np.float64) for n in names}\n",
    ),
]

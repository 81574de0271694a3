"""eps is ignored: every layer-norm version of the labs divides by sqrt(var + 1e-5), whatever eps it is given."""

GROUP = "labs"
HINT = "labs-eps-ignored"
PATCH = [
    (
        "    return np.asarray(gamma) * (x - mu) / np.sqrt(var + eps) + np.asarray(beta)",
        "    return np.asarray(gamma) * (x - mu) / np.sqrt(var + 1e-5) + np.asarray(beta)",
    ),
    (
        "        out[r] = gamma * (row - mu) / np.sqrt(var + eps) + beta",
        "        out[r] = gamma * (row - mu) / np.sqrt(var + 1e-5) + beta",
    ),
    (
        "    return (x - mu) * torch.rsqrt(var + eps) * gamma + beta",
        "    return (x - mu) * torch.rsqrt(var + 1e-5) * gamma + beta",
    ),
]

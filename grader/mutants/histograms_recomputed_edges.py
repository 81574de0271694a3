"""The tracker bins every record on edges recomputed from that model's own min and max."""

GROUP = "histograms"
HINT = "hist-recomputed-edges"
PATCH = [
    (
        "        _, counts = get_weight_histogram(model, self.num_bins, self.min_val, self.max_val)\n",
        "        w = torch.cat([p.detach().reshape(-1).cpu() for n, p in model.named_parameters()\n"
        '                       if "weight" in n])\n'
        "        _, counts = get_weight_histogram(model, self.num_bins, float(w.min()), float(w.max()))\n",
    )
]

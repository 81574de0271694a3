"""Never zeroes the gradients: they add up over the batches."""

GROUP = "histograms"
HINT = "hist-no-zero-grad"
PATCH = [("            optimizer.zero_grad()\n", "")]

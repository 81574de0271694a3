"""backward asks autograd for a gradient (torch.autograd.grad inside backward) instead of the formula."""

GROUP = "layer_norm_torch"
HINT = "lnt-autograd-in-backward"
PATCH = [
    (
        "            dweight = sum_samples(g_xhat).view(shape).to(weight.dtype)\n",
        "            with torch.enable_grad():  # the mistake: autograd inside backward\n"
        "                w = weight.detach().requires_grad_()\n"
        "                prod = xhat * w.to(xhat.dtype).flatten()\n"
        "                (dweight,) = torch.autograd.grad(prod, w, g)\n",
    )
]

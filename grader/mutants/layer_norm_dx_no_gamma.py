"""dx from dout, forgetting that dxhat = dout * gamma."""

GROUP = "layer_norm"
HINT = "ln-dx-no-gamma"
PATCH = [("dxhat = d * gamma.astype(xhat.dtype, copy=False)", "dxhat = d")]

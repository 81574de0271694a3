"""The variance used as the std (no square root) in Xavier, Kaiming and LeCun."""

GROUP = "initializers"
HINT = "init-variance-as-std"
PATCH = [
    (
        "std = gain * math.sqrt(2.0 / float(fan_in + fan_out))\n    bound",
        "std = gain**2 * 2.0 / float(fan_in + fan_out)\n    bound",
    ),
    (
        "std = gain * math.sqrt(2.0 / float(fan_in + fan_out))  # Xavier: the std itself",
        "std = gain**2 * 2.0 / float(fan_in + fan_out)  # Xavier: the std itself",
    ),
    (
        "std = gain / math.sqrt(fan)  # Kaiming: std from gain and fan",
        "std = gain**2 / fan  # Kaiming: std from gain and fan",
    ),
    (
        "std = gain / math.sqrt(fan)  # Kaiming: the std itself",
        "std = gain**2 / fan  # Kaiming: the std itself",
    ),
    (
        "std = 1.0 / math.sqrt(fan_in)  # LeCun: std from fan_in alone",
        "std = 1.0 / fan_in  # LeCun: std from fan_in alone",
    ),
    (
        "std = 1.0 / math.sqrt(fan_in)  # LeCun: the std itself",
        "std = 1.0 / fan_in  # LeCun: the std itself",
    ),
]

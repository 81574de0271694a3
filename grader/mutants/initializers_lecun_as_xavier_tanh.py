"""LeCun computed as Xavier with the tanh gain (the seed notebook's substitution)."""

GROUP = "initializers"
HINT = "init-lecun-xavier-tanh"
PATCH = [
    (
        "    fan_in, _ = calculate_fan_in_and_fan_out(tensor)\n"
        "    std = 1.0 / math.sqrt(fan_in)  # LeCun: std from fan_in alone\n"
        "    bound = math.sqrt(3.0) * std  # LeCun: uniform bound from the std\n"
        "    return uniform_(tensor, -bound, bound, generator)\n",
        '    return xavier_uniform_(tensor, gain=calculate_gain("tanh"), generator=generator)\n',
    ),
    (
        "    fan_in, _ = calculate_fan_in_and_fan_out(tensor)\n"
        "    std = 1.0 / math.sqrt(fan_in)  # LeCun: the std itself\n"
        "    return normal_(tensor, 0.0, std, generator)\n",
        '    return xavier_normal_(tensor, gain=calculate_gain("tanh"), generator=generator)\n',
    ),
]

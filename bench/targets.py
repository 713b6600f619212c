"""The ratios issue 18 sets targets for, gathered over the repeats of one run and printed last,
each beside its target with a met/missed mark and, over several repeats, the spread min-max."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Ratio:
    label: str
    #: ">=" or "<=" against ``target``; None: reported only.
    op: str | None
    target: float | None
    unit: str = "x"
    values: list[float] = field(default_factory=list)

    def met(self) -> bool | None:
        """Met in every repeat (the worst value meets the target); None when only reported."""
        if self.op is None or self.target is None:
            return None
        if self.op == ">=":
            return min(self.values) >= self.target
        return max(self.values) <= self.target

    def spread(self) -> str:
        low, high = min(self.values), max(self.values)
        if len(self.values) == 1 or f"{low:.2f}" == f"{high:.2f}":
            return f"{low:.2f}{self.unit}"
        return f"{low:.2f}-{high:.2f}{self.unit}"


class Targets:
    def __init__(self) -> None:
        self.ratios: dict[str, Ratio] = {}

    def add(
        self, label: str, value: float, op: str | None = None, target: float | None = None,
        unit: str = "x",
    ) -> None:  # fmt: skip
        ratio = self.ratios.get(label)
        if ratio is None:
            ratio = self.ratios[label] = Ratio(label, op, target, unit)
        ratio.values.append(value)

    def print(self, repeats: int) -> None:
        print(f"\n## Targets (issue 18), {repeats} repeat{'s' if repeats > 1 else ''}\n")
        print("| ratio | target | measured (min-max) | result |")
        print("|---|---|---|---|")
        met = missed = 0
        for ratio in self.ratios.values():
            verdict = ratio.met()
            if verdict is None:
                mark, target = "reported", "—"
            else:
                mark = "met" if verdict else "MISSED"
                met += verdict
                missed += not verdict
                target = f"{'≥' if ratio.op == '>=' else '≤'} {ratio.target:g}{ratio.unit}"
            print(f"| {ratio.label} | {target} | {ratio.spread()} | {mark} |")
        print(f"\n{met} met, {missed} missed (a target counts as met when every repeat meets it).")

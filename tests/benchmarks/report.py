"""The benchmark's tables: every scenario, then every target with whether it holds."""

from __future__ import annotations

BUDGET_S = 120  # the client's default wall-clock budget per request


def _ratio(r: dict) -> str:
    sdk = r.get("sdk")
    return f"{sdk['ratio_min']:.1f}x / {sdk['ratio_median']:.1f}x" if sdk else "-"


def scenario_tables(results: dict) -> list[str]:
    lines = [
        "| scenario | scaleform wall | SDK wall | ratio min / median | requests | min requests | wall / bound | "
        "steal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results["scenarios"].items():
        s, sdk = r["scaleform"], r.get("sdk", {}).get("wall")
        lines.append(
            f"| {name} | {s['wall']:.2f} s | {f'{sdk:.2f} s' if sdk else '-'} | {_ratio(r)} | {r['requests']} | "
            f"{r['min_requests']} | {s['wall'] / r['bound_wall']:.2f} (bound {r['bound_wall']:.2f} s) | "
            f"{s['steal']:.2f} s |"
        )
    lines += ["", "| scenario | CPU (process) | diff+plan CPU | peak RSS | SDK calls |", "|---|---|---|---|---|"]
    for name, r in results["scenarios"].items():
        s = r["scaleform"]
        lines.append(
            f"| {name} | {s['cpu']:.2f} s | {s['diff_plan_cpu']:.3f} s | {s['rss_mb']:.0f} MB | "
            f"{r.get('sdk', {}).get('calls', '-')} |"
        )
    if results.get("scaling"):
        lines += ["", "| projects | steady plan wall | diff+plan CPU | requests |", "|---|---|---|---|"]
        lines += [
            f"| {s['projects']} | {s['wall']:.2f} s | {s['diff_plan_cpu']:.3f} s | {s['requests']} |"
            for s in results["scaling"]
        ]
    return lines


def _check(rows: list, what: str, measured: str, target: str, holds: bool) -> None:
    rows.append(f"| {what} | {measured} | {target} | {'yes' if holds else '**no**'} |")


def _bound(rows: list, r: dict, name: str, factor: float, extra: float = 0.0) -> None:
    wall, bound = r["scaleform"]["wall"], r["bound_wall"]
    target = f"≤ {factor} × bound{f' + {extra} s' if extra else ''} = {factor * bound + extra:.2f} s"
    _check(rows, f"{name}: wall", f"{wall:.2f} s (bound {bound:.2f} s)", target, wall <= factor * bound + extra)


def target_table(results: dict) -> list[str]:
    rows = ["| what | measured | target | holds |", "|---|---|---|---|"]
    sc = results["scenarios"]
    if "drift apply" in sc:
        r = sc["drift apply"]
        if "sdk" in r:
            _check(
                rows,
                "drift (merge-time apply): ratio",
                _ratio(r),
                "≥ 10x median, ≥ 9x every run",
                r["sdk"]["ratio_median"] >= 10 and r["sdk"]["ratio_min"] >= 9,
            )
        _bound(rows, r, "drift (merge-time apply)", 1.5, 0.5)
    if "saved-plan flow" in sc:
        _bound(rows, sc["saved-plan flow"], "saved-plan flow", 1.5)
    if "steady-state plan" in sc:
        r = sc["steady-state plan"]
        if "sdk" in r:
            _check(rows, "steady-state plan: ratio", _ratio(r), "≥ 6x every run", r["sdk"]["ratio_min"] >= 6)
        _bound(rows, r, "steady-state plan", 1.5, 0.5)
    if "bootstrap apply" in sc:
        r = sc["bootstrap apply"]
        if "sdk" in r:
            _check(rows, "bootstrap: ratio", _ratio(r), "≥ 20x", r["sdk"]["ratio_min"] >= 20)
        _bound(rows, r, "bootstrap", 1.5)
    if "steady-state plan, 100 ms" in sc:
        _bound(rows, sc["steady-state plan, 100 ms"], "steady-state plan at 100 ms", 1.25)
    x10 = results.get("ten_times")
    if x10:
        steady = x10["steady"]["scaleform"]
        _check(
            rows,
            "10x account: steady plan wall",
            f"{steady['wall']:.2f} s ({x10['wall_vs_300']:.1f}× the 300-project wall)",
            "≤ 12×",
            x10["wall_vs_300"] <= 12,
        )
        _check(rows, "10x account: peak RSS", f"{steady['rss_mb']:.0f} MB", "≤ 400 MB", steady["rss_mb"] <= 400)
        _check(
            rows, "10x account: validate CPU", f"{x10['validate']['cpu']:.2f} s", "≤ 4 s", x10["validate"]["cpu"] <= 4
        )
        _check(
            rows,
            "10x account: export",
            f"{x10['export']['wall']:.2f} s wall, {x10['export']['cpu']:.2f} s CPU",
            "(measured)",
            True,
        )
    rl = results.get("rate_limited_bootstrap")
    if rl:
        _check(
            rows,
            "rate-limited bootstrap: wall",
            f"{rl['wall']:.2f} s ({rl['calls']} calls)",
            f"≤ 1.3 × calls / 20 = {1.3 * rl['bound_wall']:.2f} s",
            rl["wall"] <= 1.3 * rl["bound_wall"],
        )
        _check(
            rows,
            "rate-limited bootstrap: 429 share",
            f"{rl['refused']} of {rl['requests']} ({100 * rl['share_429']:.1f}%)",
            "≤ 10%",
            rl["share_429"] <= 0.10,
        )
    st = results.get("stream_of_429s")
    if st:
        _check(
            rows,
            "429 stream, Retry-After: 0",
            f"gave up after {st['wall']:.1f} s (exit {st['code']}), "
            f"{st['requests']} requests, peak {st['peak_per_second']}/s",
            f"within the {BUDGET_S} s budget, ≤ 10 requests/s, a clear error",
            st["code"] == 1 and st["wall"] <= BUDGET_S + 15 and st["peak_per_second"] <= 10 and bool(st["error"]),
        )
    fault_free = [r for r in sc.values() if "min_requests" in r] + ([x10["steady"]] if x10 else [])
    _check(
        rows,
        "requests in fault-free scenarios",
        ", ".join(str(r["requests"]) for r in fault_free),
        "exactly the minimal count",
        all(r["requests"] == r["min_requests"] for r in fault_free),
    )
    return rows


def report(results: dict) -> None:
    print()
    print("\n".join(scenario_tables(results)))
    print()
    print("\n".join(target_table(results)))
    st = results.get("stream_of_429s")
    if st:
        print(f"\n429 stream error: {st['error']}")

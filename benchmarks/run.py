"""Run every benchmark (median of >= 3 runs, each in a fresh process) and rewrite
docs/benchmarks.md with the machine, versions, medians and ratios against the
baselines measured in the same run.

    .venv/bin/python benchmarks/run.py                 # full sizes (20,000 / 100,000 / 10,000)
    .venv/bin/python benchmarks/run.py --quick         # small sizes, to check the harness
    .venv/bin/python benchmarks/run.py --report-only   # re-render from the last results
    .venv/bin/python benchmarks/run.py --resume        # measure only what the last run lacks

Every figure of a run is kept in benchmarks/.data/results[-quick].json (git-ignored),
written after each benchmark, so --report-only can re-render the document (e.g. after
editing benchmarks/SHORTFALLS.md) without measuring again.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / ".data"
REPORT = ROOT / "docs" / "benchmarks.md"
SHORTFALLS = HERE / "SHORTFALLS.md"
TEAM = HERE / "TEAM.md"  # measured by annotate_bench.py, appended as written
sys.path.insert(0, str(HERE))

import push_bench  # noqa: E402
import startup  # noqa: E402
import synth  # noqa: E402

QUICK = {"small": 500, "large": 2000, "push": 200, "preannotate": 200}
FULL = {"small": 20_000, "large": 100_000, "push": 10_000, "preannotate": 1000}
# The libraries the measured paths run on (versions as constraints.txt locks them).
PACKAGES = ("newsclaims", "pyarrow", "duckdb", "numpy", "pandas", "orjson", "msgspec", "ijson",
            "jsonschema", "matplotlib", "label-studio-sdk")


def run_case(name: str, *args: str) -> dict[str, Any]:
    """One run of a case in a fresh process; peak RSS (MB) from the kernel (wait4)."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "cases.py"), name, *args],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1"},
    )
    out = proc.stdout.read() if proc.stdout else ""
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark case {name} {' '.join(args)} failed "
                         f"(exit {os.waitstatus_to_exitcode(status)})")
    payload = json.loads(out.strip().splitlines()[-1])
    return {**payload, "peak_rss_mb": usage.ru_maxrss / 1024}


def runs_of(count: int, name: str, *args: str, out_dir: bool = False,
            keep_last: Path | None = None) -> dict[str, Any]:
    """`count` runs; medians of seconds and peak RSS, and every run's figures.
    With out_dir each run writes into a fresh folder; keep_last keeps the last one."""
    measured = []
    for number in range(count):
        if not out_dir:
            measured.append(run_case(name, *args))
            continue
        folder = Path(tempfile.mkdtemp(prefix=f"{name}-", dir=DATA))
        try:
            measured.append(run_case(name, *args, str(folder)))
        finally:
            if keep_last is not None and number == count - 1:
                shutil.rmtree(keep_last, ignore_errors=True)
                folder.rename(keep_last)
            else:
                shutil.rmtree(folder, ignore_errors=True)
    return {"seconds": statistics.median(m["seconds"] for m in measured),
            "peak_rss_mb": statistics.median(m["peak_rss_mb"] for m in measured),
            "runs": measured}


def interleaved(count: int, cases: dict[str, tuple[str, ...]],
                out_dir: bool = True) -> dict[str, dict[str, Any]]:
    """`count` rounds, each running every case once in turn (so drifts in the machine's
    load hit every side alike); per case, medians and every run, as `runs_of`."""
    measured: dict[str, list[dict[str, Any]]] = {name: [] for name in cases}
    for _ in range(count):
        for key, (name, *args) in cases.items():
            measured[key].append(runs_of(1, name, *args, out_dir=out_dir)["runs"][0])
    return {key: {"seconds": statistics.median(m["seconds"] for m in runs),
                  "peak_rss_mb": statistics.median(m["peak_rss_mb"] for m in runs),
                  "runs": runs} for key, runs in measured.items()}


def export_of(n: int, *, predictions: bool = False) -> Path:
    """The n-task export, written again if missing or in the old task-per-line layout
    (Label Studio's starts `[{`)."""
    path = DATA / f"export-{n}{'-predictions' if predictions else ''}.json"
    if not path.exists() or _first_bytes(path, 2) != b"[{":
        synth.write_export(path, n, predictions=predictions)
    return path


def _first_bytes(path: Path, n: int) -> bytes:
    with path.open("rb") as fh:
        return fh.read(n)


def describe_export(path: Path, validated: dict[str, Any]) -> dict[str, Any]:
    counts = validated["runs"][0]["counts"]
    return {"path": str(path.relative_to(ROOT)), "megabytes": path.stat().st_size / 1e6,
            **counts, "problems": validated["runs"][0]["problems"]}


def machine() -> dict[str, Any]:
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    return {"cpu": cpu, "cores": os.cpu_count(), "arch": platform.machine(),
            "python": platform.python_version(), "platform": platform.platform(),
            "memory_gb": os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30,
            "versions": {p: version(p) for p in PACKAGES}, "git": git_state(),
            "bytecode": bytecode_state()}


def bytecode_state() -> str:
    """How many library modules have bytecode Python will use (scripts/setup compiles
    it): the start-up figures differ by ~0.1 CPU s per command without it."""
    import importlib.util

    modules = sorted((ROOT / "src").rglob("*.py"))
    fresh = sum(1 for path in modules
                if (cached := Path(importlib.util.cache_from_source(str(path)))).exists()
                and cached.stat().st_mtime >= path.stat().st_mtime)
    writes = "not written by Python here" if os.environ.get("PYTHONDONTWRITEBYTECODE") \
        else "written by Python on first import"
    return f"{fresh} of {len(modules)} library modules compiled ({writes})"


def git_state() -> str:
    """HEAD, plus the library files that differ from it (the tree is shared and moves)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()

    changed = git("status", "--porcelain", "--", "src").splitlines()
    return git("rev-parse", "--short", "HEAD") + (
        f" with uncommitted changes to {len(changed)} file(s) under src/" if changed else "")


def measure(sizes: dict[str, int], runs: int, results: dict[str, Any], save: Path,
            skip_push: bool) -> None:
    """Fill `results` benchmark by benchmark, saving after each, most important first."""
    def saved(key: str, value: Any) -> None:
        results[key] = value
        save.write_text(json.dumps(results, indent=2), "utf-8")

    def wanted(key: str) -> bool:
        return key not in results

    DATA.mkdir(parents=True, exist_ok=True)
    if wanted("started"):
        saved("started", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        saved("load_average_start", os.getloadavg())
    export = export_of(sizes["small"])
    if wanted("validate"):
        validated = runs_of(runs, "validate", str(export))
        saved("validate", validated)
        saved("export", describe_export(export, validated))
    if wanted("floor") or wanted("release") or wanted("duckdb_spans"):
        sides = interleaved(runs, {"floor": ("floor", str(export)),
                                   "release": ("release", str(export)),
                                   "duckdb_spans": ("duckdb_spans", str(export))})
        for key, value in sides.items():
            saved(key, value)
    if wanted("floor_predictions") or wanted("release_predictions"):
        # The same tasks as a pull of a pre-annotated project gives them: informative,
        # three rounds at most (each side parses ~1 GB).
        pulled = export_of(sizes["small"], predictions=True)
        sides = interleaved(min(runs, 3), {"floor_predictions": ("floor", str(pulled)),
                                           "release_predictions": ("release", str(pulled))})
        for key, value in sides.items():
            saved(key, value)
        saved("export_predictions", {"megabytes": pulled.stat().st_size / 1e6})
    if wanted("preannotate"):
        pre = runs_of(runs, "preannotate", str(sizes["preannotate"]))
        for key in ("articles_per_second", "process_articles_per_cpu_second"):
            pre[key] = statistics.median(r.get(key, 0) for r in pre["runs"])
        saved("preannotate", pre)
    if wanted("startup"):
        saved("startup", startup.measure(runs))
    if wanted("push") and not skip_push:
        saved("push", push_bench.measure(sizes["push"], runs=runs))
    if wanted("release_large") or wanted("load"):
        big = export_of(sizes["large"])
        dataset = DATA / "release-for-load"
        # The large release is the memory-ceiling check: once at full size (it is long).
        saved("release_large", {**runs_of(runs if sizes is QUICK else 1, "release", str(big),
                                          out_dir=True, keep_last=dataset),
                                "megabytes": big.stat().st_size / 1e6,
                                "tasks": sizes["large"]})
        loads = interleaved(max(runs, 5), {"read_table": ("read_table", str(dataset)),
                                           "load": ("load", str(dataset))}, out_dir=False)
        for key, value in loads.items():
            saved(key, value)
        shutil.rmtree(dataset, ignore_errors=True)
    saved("finished", time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    saved("load_average_end", os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, harness check")
    parser.add_argument("--runs", type=int, default=3, help="runs per benchmark (at least 3)")
    parser.add_argument("--skip-push", action="store_true", help="no Label Studio benchmark")
    parser.add_argument("--report-only", action="store_true",
                        help="re-render docs/benchmarks.md from the saved results")
    parser.add_argument("--resume", action="store_true",
                        help="keep the saved results and measure only what they lack")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    save = DATA / ("results-quick.json" if args.quick else "results.json")
    if args.report_only:
        results = json.loads(save.read_text("utf-8"))
    elif args.resume and save.exists():
        results = json.loads(save.read_text("utf-8"))
        results.pop("finished", None)
        measure(sizes, max(3, args.runs), results, save, args.skip_push)
    else:
        results = {"quick": args.quick, "sizes": sizes, "machine": machine()}
        measure(sizes, max(3, args.runs), results, save, args.skip_push)
    REPORT.write_text(render(results), encoding="utf-8")
    print(REPORT.read_text("utf-8"))


# --- the document ------------------------------------------------------------------------


def ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def verdict(value: float, goal: float, *, below: bool = False) -> str:
    met = value < goal if below else value <= goal
    return "met" if met else "**missed**"


def cpu(entry: dict[str, Any]) -> float | None:
    """Median CPU seconds of the work, when every run recorded it."""
    values = [run.get("cpu_seconds") for run in entry["runs"]]
    return statistics.median(values) if values and None not in values else None


def _runs(entry: dict[str, Any], key: str = "seconds", fmt: str = "{:.1f}") -> str:
    return ", ".join(fmt.format(r[key]) for r in entry["runs"])


def rows_of(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """(benchmark, measured, baseline, ratio and goal) for every benchmark present."""
    rows = []
    sizes, export = r["sizes"], r.get("export", {})
    if "release" in r and "floor" in r:
        rel, flo = r["release"], r["floor"]
        m = ratio(rel["peak_rss_mb"], flo["peak_rss_mb"])
        if cpu(rel) and cpu(flo):
            c = ratio(cpu(rel), cpu(flo))
            rows.append((f"release vs naive floor, {sizes['small']:,} tasks "
                         f"({export['megabytes']:.0f} MB), CPU seconds (every thread)",
                         f"{cpu(rel):.1f} CPU s ({rel['seconds']:.1f} s wall)",
                         f"naive floor {cpu(flo):.1f} CPU s ({flo['seconds']:.1f} s wall)",
                         f"{c:.2f} ({verdict(c, 1.0)}; goal <= 1.0); wall "
                         f"{ratio(rel['seconds'], flo['seconds']):.2f}"))
        rows.append(("release vs naive floor, peak RSS (one process)",
                     f"{rel['peak_rss_mb']:,.0f} MiB", f"{flo['peak_rss_mb']:,.0f} MiB",
                     f"{m:.2f} ({verdict(m, 0.6)}; goal <= 0.6)"))
        if "duckdb_spans" in r and cpu(r["duckdb_spans"]):
            duck = r["duckdb_spans"]
            rows.append(("anchor: DuckDB, bare spans flattening (read_json, UNNEST, one "
                         "thread; pyarrow write with page checksums)",
                         f"{cpu(duck):.1f} CPU s, {duck['peak_rss_mb']:,.0f} MiB",
                         f"naive floor {cpu(flo):.1f} CPU s",
                         f"{ratio(cpu(duck), cpu(flo)):.2f} of the floor; the release is "
                         f"{ratio(cpu(rel), cpu(duck)):.1f}x the anchor (no goal)"))
    rows.extend(_pulled_rows(r))
    if "release_large" in r:
        big = r["release_large"]
        gb = big["peak_rss_mb"] * 2**20 / 1e9
        rows.append((f"release, {big['tasks']:,} tasks ({big['megabytes']:,.0f} MB), peak RSS",
                     f"{big['peak_rss_mb']:,.0f} MiB = {gb:.2f} GB "
                     f"({cpu(big) or big['seconds']:.0f} CPU s)", "-",
                     f"{verdict(gb, 4.0, below=True)}; goal < 4 GB"))
    if "validate" in r:
        val = r["validate"]
        rows.append((f"validate alone, {sizes['small']:,} tasks",
                     f"{val['seconds']:.1f} s, {val['peak_rss_mb']:,.0f} MiB", "-",
                     f"{export['megabytes'] / val['seconds']:.1f} MB/s; peak RSS "
                     f"{val['peak_rss_mb'] / export['megabytes']:.2f}x the file (no goal)"))
    if "load" in r and "read_table" in r:
        lo, rt = r["load"], r["read_table"]
        where = (f"the {r['release_large']['tasks']:,}-task release" if "release_large" in r
                 else "the release")
        q, wall = ratio(cpu(lo) or 0, cpu(rt) or 0), ratio(lo["seconds"], rt["seconds"])
        rows.append((f"load('claims') of {where}, {lo['runs'][0]['rows']:,} rows, first "
                     "call in a process (sha256 of each file, page checksums, full array "
                     "validation)", f"{(cpu(lo) or 0) * 1000:.0f} CPU ms "
                     f"({lo['seconds'] * 1000:.0f} ms wall)",
                     f"read_table + to_pandas {(cpu(rt) or 0) * 1000:.0f} CPU ms "
                     f"({rt['seconds'] * 1000:.0f} ms wall)",
                     f"{q:.2f} in CPU time ({verdict(q, 1.2)}; goal <= 1.2); wall {wall:.2f}"))
    if "preannotate" in r:
        pre = r["preannotate"]
        first = pre["runs"][0]
        per_cpu = statistics.median(x.get("articles_per_cpu_second", 0) for x in pre["runs"])
        whole = pre.get("process_articles_per_cpu_second")
        if whole:
            rows.append((f"`newsclaims preannotate` as a whole process, {first['articles']:,} "
                         f"distinct news-style articles of ~{first['mean_chars']:,} chars",
                         f"{whole:.0f} articles per CPU second (in-process rule path "
                         f"{per_cpu:.0f})", "-",
                         f"{'met' if whole >= 200 else '**missed**'}; goal >= 200"))
        else:
            rows.append((f"pre-annotation, 1 core, {first['articles']:,} news-style articles",
                         f"{per_cpu:.0f} articles per CPU second", "-",
                         f"{'met' if per_cpu >= 200 else '**missed**'}; goal >= 200"))
    if "startup" in r:
        rows.extend(startup.rows(r["startup"]))
    if "push" in r:
        p = r["push"]
        q = ratio(p["push_seconds"], p["raw_seconds"])
        rows.append((f"push, {p['tasks']:,} tasks (~{p['mean_chars']:,} chars)",
                     f"{p['push_seconds']:.1f} s",
                     f"one import_tasks {p['raw_seconds']:.1f} s",
                     f"{q:.2f} ({verdict(q, 1.2)}; goal <= 1.2)"))
        if "push_predictions_seconds" in p:
            q = ratio(p["push_predictions_seconds"], p["raw_predictions_seconds"])
            rows.append((f"push with predictions given, {p['predicted_tasks']:,} tasks",
                         f"{p['push_predictions_seconds']:.1f} s",
                         f"one import_tasks, predictions inline "
                         f"{p['raw_predictions_seconds']:.1f} s",
                         f"{q:.2f} ({verdict(q, 1.2)}; goal <= 1.2)"))
        rows.append(("push: idempotency check / second push",
                     f"listing {p['tasks']:,} article_ids {p['check_seconds']:.1f} s; "
                     f"second push (all skipped) {p['repush_seconds']:.1f} s",
                     f"input checks alone {p['input_check_seconds']:.1f} s", "no goal"))
    return rows


def _pulled_rows(r: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The release and the floor on the export with every task's predictions."""
    if not all(key in r for key in ("release_predictions", "floor_predictions",
                                    "export_predictions")):
        return []
    rel, flo = r["release_predictions"], r["floor_predictions"]
    c, m = ratio(cpu(rel) or 0, cpu(flo) or 0), ratio(rel["peak_rss_mb"], flo["peak_rss_mb"])
    return [(f"release vs naive floor, the same {r['sizes']['small']:,} tasks as `studio "
             f"pull` saves them from a pre-annotated project (full predictions, "
             f"{r['export_predictions']['megabytes']:.0f} MB)",
             f"{cpu(rel) or 0:.1f} CPU s, {rel['peak_rss_mb']:,.0f} MiB",
             f"naive floor {cpu(flo) or 0:.1f} CPU s, {flo['peak_rss_mb']:,.0f} MiB",
             f"{c:.2f} in CPU time, {m:.2f} in peak RSS (no goal: not the #15 export. "
             "What a release of a real project costs; the floor builds every prediction "
             "as objects, so this ratio is lower without the release being faster)")]


def details(r: dict[str, Any]) -> list[str]:
    """Every run's figures, so a median can be checked against its spread."""
    lines = ["## Every run", ""]
    for key, label in (("floor", "naive floor"), ("release", "release"),
                       ("duckdb_spans", "DuckDB anchor"),
                       ("floor_predictions", "naive floor, export with predictions"),
                       ("release_predictions", "release, export with predictions"),
                       ("validate", "validate"),
                       ("release_large", "release (large export)")):
        if key in r:
            cpu_runs = (f"; CPU seconds {_runs(r[key], 'cpu_seconds')}"
                        if cpu(r[key]) is not None else "")
            lines.append(f"- {label}: seconds {_runs(r[key])}{cpu_runs}; peak RSS MiB "
                         f"{_runs(r[key], 'peak_rss_mb', '{:,.0f}')}")
    for key, label in (("load", "load"), ("read_table", "read_table + to_pandas")):
        if key in r:
            lines.append(f"- {label}: ms " + ", ".join(f"{x['seconds'] * 1000:.0f}"
                                                       for x in r[key]["runs"])
                         + "; CPU ms " + ", ".join(f"{x['cpu_seconds'] * 1000:.0f}"
                                                   for x in r[key]["runs"]))
    if "preannotate" in r:
        lines.append("- pre-annotation: whole process, articles per CPU second "
                     + _runs(r["preannotate"], "process_articles_per_cpu_second", "{:.0f}")
                     + "; in-process rule path, per CPU second "
                     + _runs(r["preannotate"], "articles_per_cpu_second", "{:.0f}"))
    if "startup" in r:
        lines.extend(startup.details(r["startup"]))
    if "push" in r:
        for key in push_bench.TIMINGS:
            if any(key not in x for x in r["push"]["runs"]):
                continue
            lines.append(f"- push {key.removesuffix('_seconds')}: seconds "
                         + ", ".join(f"{x[key]:.2f}" for x in r["push"]["runs"]))
    return lines


def sources(r: dict[str, Any]) -> str:
    """The library source digests each case's runs recorded (floor imports none)."""
    found = []
    for key, entry in r.items():
        if not isinstance(entry, dict) or key == "floor":
            continue
        digests = sorted({run["source"] for run in entry.get("runs", [])
                          if isinstance(run, dict) and run.get("source")})
        if digests:
            found.append(f"{key} {'/'.join(digests)}")
    return "; ".join(found)


def render(r: dict[str, Any]) -> str:
    m, export = r["machine"], r.get("export", {})
    versions = ", ".join(f"{p} {v}" for p, v in m["versions"].items())
    load_avg = " → ".join(f"{a[0]:.1f}" for a in (r.get("load_average_start"),
                                                   r.get("load_average_end")) if a)
    lines = [
        "# Benchmarks",
        "",
        "Generated by `.venv/bin/python benchmarks/run.py` (do not edit by hand: the text",
        "after the table comes from `benchmarks/SHORTFALLS.md`). The synthetic exports are",
        "written by `benchmarks/synth.py` into `benchmarks/.data/` (git-ignored). Each",
        "figure is the median of at least 3 runs, each in a fresh process (set-up and",
        "imports outside the clock); peak RSS is the kernel's (`wait4` `ru_maxrss`). Ratios",
        "compare against a baseline measured in the same run on the same machine.",
        "",
    ]
    if r.get("quick"):
        lines += ["**Quick sizes: a harness check, not the benchmark.**", ""]
    lines += [
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']:.0f} GB, {m['arch']}, "
        f"Python {m['python']}, {m['platform']}",
        f"- Versions: {versions}",
        f"- Bytecode: {m.get('bytecode', 'not recorded')}; scripts/setup compiles it, as pip"
        " does for a regular install",
        f"- Code when the run started: {m.get('git', 'not recorded')}; digest of the library"
        f" modules each case imported: {sources(r) or 'not recorded'} (two digests for one"
        " case mean the shared working tree changed between its runs)",
        f"- Run: {r.get('started', '?')} to {r.get('finished', 'unfinished')}; load average "
        f"(1 min) {load_avg or '?'} — the machine is shared, so absolute times are noisy;"
        " each ratio's two sides ran minutes apart under similar load",
        *[f"- Note: {note}" for note in r.get("notes", [])],
    ]
    if export:
        per_annotation = export["regions"] / max(1, export["annotations"])
        clean = sum(export["problems"].values()) == 0
        lines.append(
            f"- Export: {export['tasks']:,} tasks, {export['megabytes']:.0f} MB, "
            f"{export['annotations']:,} annotations ({per_annotation:.0f} regions and "
            f"{export['relations'] / max(1, export['annotations']):.0f} relations each, "
            "counting per-region choices as regions); `newsclaims validate`: "
            + ("clean (0 errors, 0 warnings, 0 infos)" if clean else f"{export['problems']}"))
    lines += [
        "",
        "| benchmark | measured | baseline | ratio / goal |",
        "|---|---|---|---|",
        *[f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows_of(r)],
        "",
        *details(r),
    ]
    for appended in (SHORTFALLS, TEAM):
        if appended.exists():
            lines += ["", appended.read_text("utf-8").strip()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

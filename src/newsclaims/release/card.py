"""The dataset card (README.md of a release): Hugging Face YAML front matter, so
`datasets.load_dataset("dataset/vX.Y.Z", "claims")` finds every table, then the
datasheet sections, label distributions with a chart per layer, and how to load it.

Charts are PNGs drawn with matplotlib's Agg backend with no date or software
metadata, so the same counts give the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from newsclaims.core.scheme import Scheme
from newsclaims.release.tables import SPLITS, table_specs

CHART_DIR = "charts"
# Hugging Face dtype names of Arrow types (datasets.Value); lists become `list:`.
_HF_DTYPES = {
    pa.string(): "string", pa.int32(): "int32", pa.int64(): "int64", pa.float64(): "float64",
    pa.bool_(): "bool", pa.date32(): "date32",
    pa.timestamp("us", tz="UTC"): "timestamp[us, tz=UTC]",
}


def hf_feature(field: pa.Field) -> dict[str, Any]:
    """A `dataset_info.features` entry for one column."""
    kind = field.type
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_list(kind):
        return {"name": field.name, "list": _HF_DTYPES[kind.value_type]}
    return {"name": field.name, "dtype": _HF_DTYPES[kind]}


def front_matter(manifest: dict[str, Any]) -> dict[str, Any]:
    """HF metadata: one config per table (claims first: the default), only non-empty
    splits (datasets refuses a split with no rows)."""
    specs = table_specs()
    order = ["claims", *[t for t in manifest["tables"] if t != "claims"]]
    configs, infos = [], []
    for name in order:
        info = manifest["tables"][name]
        splits = [s for s in SPLITS if info["rows"][s]]
        if not splits:
            continue
        config: dict[str, Any] = {
            "config_name": name,
            "data_files": [{"split": s, "path": info["files"][s]} for s in splits],
        }
        if name == "claims":
            config["default"] = True
        configs.append(config)
        sizes = {f["path"]: f["bytes"] for f in manifest["files"]}
        infos.append({
            "config_name": name,
            "features": [hf_feature(f) for f in specs[name].schema],
            "splits": [{"name": s, "num_examples": info["rows"][s],
                        "num_bytes": sizes[info["files"][s]]} for s in splits],
        })
    return {
        "pretty_name": "newsclaims",
        "language": sorted({"en"}),
        "license": "other",
        "task_categories": ["token-classification", "text-classification"],
        "tags": ["claims", "attribution", "named-entity-recognition", "news", "fact-checking"],
        "size_categories": [_size_category(sum(manifest["articles"].values()))],
        "configs": configs,
        "dataset_info": infos,
    }


def _size_category(n: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K")):
        if n < limit:
            return name
    return "100K<n<1M"


def write_charts(folder: Path, counts: dict[str, Any], scheme: Scheme) -> list[str]:
    """One bar chart per layer: gold spans per label, stacked by split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams["svg.hashsalt"] = "newsclaims"
    written = []
    (folder / CHART_DIR).mkdir(exist_ok=True)
    for layer, labels in counts["labels"].items():
        names = list(labels)
        fig, ax = plt.subplots(figsize=(max(4.0, 0.45 * len(names) + 2), 3.2), dpi=100)
        bottom = [0] * len(names)
        for split in SPLITS:
            values = [labels[n][split] for n in names]
            ax.bar(names, values, bottom=bottom, label=split)
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        ax.set_title(f"Gold {layer} spans per label")
        ax.set_ylabel("spans")
        ax.tick_params(axis="x", labelrotation=60, labelsize=8)
        ax.legend(fontsize=8)
        fig.tight_layout()
        relative = f"{CHART_DIR}/{layer}.png"
        fig.savefig(folder / relative, format="png", metadata={"Software": None})
        plt.close(fig)
        written.append(relative)
    return written


def _distribution(title: str, rows: dict[str, dict[str, int]]) -> list[str]:
    lines = [f"| {title} | " + " | ".join(SPLITS) + " | total |",
             "|---|" + "---:|" * (len(SPLITS) + 1)]
    for name, per_split in rows.items():
        cells = [str(per_split[s]) for s in SPLITS]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {sum(per_split.values())} |")
    return [*lines, ""]


def _agreement_section(agreement: dict[str, Any] | None) -> list[str]:
    if not agreement or not agreement.get("articles"):
        return ["No article in this release has two or more annotations, so there are no "
                "inter-annotator agreement figures yet.", ""]
    lines = [f"Over {agreement['articles']} article(s) labelled by two or more of "
             f"{agreement['annotators']} annotators ({agreement['annotator_pairs']} pairs):", "",
             "| label | span F1 (exact) | span F1 (overlap) |", "|---|---:|---:|"]
    for label, fig in agreement.get("span_f1", {}).items():
        lines.append(f"| {label} | {_num(fig['exact'])} | {_num(fig['overlap'])} |")
    lines += ["", "| figure | Krippendorff's α |", "|---|---:|"]
    for name, value in {**agreement.get("attribute_alpha", {}),
                        **{f"tokens: {k}": v for k, v in agreement.get("token_alpha", {}).items()}
                        }.items():
        lines.append(f"| {name} | {_num(value)} |")
    lines += ["", f"Attribution triples (claim, source and cue all matched) F1: "
              f"{_num(agreement.get('triple_f1'))}.", ""]
    lines += [f"- ⚠ {w}" for w in agreement.get("warnings", [])]
    return [*lines, ""]


def _num(value: Any) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def render_card(manifest: dict[str, Any], scheme: Scheme) -> str:
    version = manifest["version"]
    articles = manifest["articles"]
    total = sum(articles.values())
    specs = table_specs()
    yaml_text = yaml.safe_dump(front_matter(manifest), sort_keys=False, allow_unicode=True)
    policy = ", ".join(f"{k}: {v}" for k, v in manifest["gold_policy"].items()) or "none"
    out = ["---", yaml_text.rstrip(), "---", "",
           f"# newsclaims {version}", "",
           "Claims in news articles and their attribution — who said it (SOURCE), how it is "
           "introduced (CUE), direct or indirect, hedged or asserted — plus OntoNotes 5 named "
           f"entities. {total} article(s); {manifest['annotations']} annotation(s) by "
           f"{manifest['annotators']} annotator(s). Generated by newsclaims "
           f"{manifest['generator']['version']} on {manifest['created']}.", ""]
    if manifest.get("notes"):
        out += [f"> {manifest['notes'].strip()}", ""]
    out += ["## Tables", "",
            "| table | what a row is | " + " | ".join(SPLITS) + " |", "|---|---|" + "---:|" * 3]
    for name, info in manifest["tables"].items():
        what = specs[name].description.split(". ")[0].rstrip(".")
        out.append(f"| `{name}` | {what} | " + " | ".join(str(info['rows'][s]) for s in SPLITS)
                   + " |")
    out += ["", "`spans`, `relations`, `claims` and `entities` are the gold view of each "
            "article; `annotations` and `annotation_spans` hold every annotation. Column "
            "types are declared once in `schemas/record-*.schema.json` of the newsclaims "
            "repository; offsets are Python code-point indices into `articles.text`, end "
            "exclusive.", ""]
    out += ["## How to load", "", "```python", "import newsclaims",
            f'claims = newsclaims.load("claims", version="{version}", split="train")',
            "", "from datasets import load_dataset",
            f'ds = load_dataset("dataset/v{version}", "claims")',
            "", "import pandas as pd",
            f'spans = pd.read_parquet("dataset/v{version}/spans/")',
            "", "import duckdb",
            "duckdb.sql(\"SELECT label, count(*) "
            f"FROM read_parquet('dataset/v{version}/spans/*.parquet') GROUP BY label\")",
            "```", "",
            f"`newsclaims verify dataset/v{version}` checks every file against manifest.json.", ""]
    out += _datasheet(manifest, scheme, total, policy)
    out += ["## Label distribution (gold)", ""]
    for layer, labels in manifest["label_counts"].items():
        out += [f"### {layer}", "", f"![{layer} labels]({CHART_DIR}/{layer}.png)", ""]
        out += _distribution("label", labels)
    for name, values in manifest["choice_counts"].items():
        out += [f"### {name}", "", *_distribution("value", values)]
    out += ["## Agreement", "", *_agreement_section(manifest.get("agreement"))]
    return "\n".join(out).rstrip() + "\n"


def _datasheet(manifest: dict[str, Any], scheme: Scheme, total: int, policy: str) -> list[str]:
    layers = "; ".join(f"`{layer}`: {', '.join(labels)}" for layer, labels in scheme.labels.items())
    choices = "; ".join(f"`{c.name}` ({c.applies_to}): {', '.join(c.values)}"
                        for c in scheme.choices.values())
    rule = manifest["split_rule"]
    return [
        "## Motivation", "",
        "To train and evaluate models that find checkable claims in news and attribute them: "
        "who is the source, which words introduce it, is it quoted or paraphrased. The scheme "
        "follows PARC 3.0 / PolNeAR (source–cue–content) for attribution, OntoNotes 5 for "
        "entities (a CoNLL-2003 4-type view is derived) and CheckThat! for check-worthiness.", "",
        "## Composition", "",
        f"{total} news article(s): train {manifest['articles']['train']}, validation "
        f"{manifest['articles']['validation']}, test {manifest['articles']['test']}. "
        f"Span layers — {layers}. Per-region attributes — {choices}. Relations: "
        f"{', '.join(scheme.relations)} (CLAIM → SOURCE / CUE).", "",
        f"Splits: {rule.get('description', rule['rule'])}. The rule is recorded once per "
        "dataset (splits.json), so an article keeps its split in every version.", "",
        "## Collection process", "",
        "Articles are ingested from their sources (boilerplate stripped, NFC and newline "
        "normalised, identified by the sha256 of their text), imported into Label Studio "
        "with rule-based suggestions, and exported in Label Studio's native JSON "
        f"(sha256 `{manifest['source']['export']['sha256']}`).", "",
        "## Labelling", "",
        "Annotators follow docs/guidelines.md of the newsclaims repository in Label Studio "
        f"(label config sha256 `{manifest['source']['label_config']['sha256']}`, included as "
        "label_config.xml). Every export is validated before release. Gold view per article: "
        "the annotation marked ground truth, else the only one, else a majority merge "
        f"(policy counts — {policy}; {manifest['needs_adjudication']} article(s) still need "
        "adjudication, flagged in `articles.needs_adjudication`). Annotators appear only as "
        "salted pseudonyms of their Label Studio user id; no e-mail or name is published.", "",
        "## Uses", "",
        "Claim detection, attribution (source and cue extraction, quote typology), "
        "hedging detection, named-entity recognition (`entities`, BIO tags). Not suitable "
        "for judging whether a claim is true: claims are labelled, not fact-checked. The "
        "articles are a small, non-random sample of English news; figures do not "
        "generalise to other outlets, languages or periods without checking.", "",
        "## Distribution", "",
        "Parquet (zstd), one folder per table with a file per split, plus manifest.json "
        "(checksums, sizes, row counts), croissant.json (Croissant 1.0) and this card. "
        "License: `other` — the annotations may be used for research; the article texts "
        "remain the property of their publishers.", "",
        "## Maintenance", "",
        "Versions follow semver as Croissant defines it: PATCH re-serialises, MINOR only "
        "adds, MAJOR edits or removes records or moves them across splits; a published "
        "version is never rewritten. Changes are listed in dataset/CHANGELOG.md. Report "
        "problems on the newsclaims issue tracker.", "",
    ]


def write_card(folder: Path, manifest: dict[str, Any], scheme: Scheme) -> None:
    (folder / "README.md").write_text(render_card(manifest, scheme), encoding="utf-8")

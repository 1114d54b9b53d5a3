"""Release: tables and gold view, splits, determinism, refusals, semver, privacy, salt.

Inputs are the exports in tests/fixtures/release/ (see make_fixtures.py there): six
articles; article 1 has three annotations (one drops an entity: majority merge),
article 2 a reviewer's ground truth that drops an entity, article 3 a cancelled one.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from factories import ADDED_EXPORT, BASE_EXPORT, RELEASE_FIXTURES, RELEASE_SALT
from newsclaims.core.errors import has_errors
from newsclaims.core.schemas import errors as schema_errors
from newsclaims.export.convert import convert
from newsclaims.release.release import release
from newsclaims.release.tables import table_specs


def _tasks(name: str = "base.json") -> list[dict]:
    return json.loads((RELEASE_FIXTURES / name).read_text("utf-8"))


def _split(article_id: str) -> str:
    """The documented rule, recomputed here independently of newsclaims.release.versions."""
    bucket = int(hashlib.sha256(f"newsclaims-split:{article_id}".encode()).hexdigest()[:8], 16)
    bucket %= 100
    return "train" if bucket < 80 else "validation" if bucket < 90 else "test"


def _read(release_dir: Path, table: str) -> list[dict]:
    return pa.concat_tables(
        pq.read_table(p) for p in sorted((release_dir / table).glob("*.parquet"))
    ).to_pylist()


def test_release_layout_and_schemas(base_release: Path) -> None:
    specs = table_specs()
    assert {"articles", "spans", "relations", "claims", "entities", "annotations",
            "annotation_spans"} <= set(specs)
    for name, spec in specs.items():
        for split in ("train", "validation", "test"):
            path = base_release / name / f"{split}.parquet"
            schema = pq.read_schema(path)
            assert schema.remove_metadata() == spec.schema.remove_metadata(), (name, split)
            meta = pq.ParquetFile(path).metadata
            for group in range(meta.num_row_groups):
                assert meta.row_group(group).column(0).compression == "ZSTD"
    label = pq.read_schema(base_release / "spans" / "train.parquet").field("label")
    assert pa.types.is_dictionary(label.type)
    for name in ("manifest.json", "README.md", "croissant.json", "label_config.xml"):
        assert (base_release / name).is_file()


def test_articles_get_the_documented_split_and_gold_policy(base_release: Path) -> None:
    articles = {row["article_id"]: row for row in _read(base_release, "articles")}
    tasks = _tasks()
    assert set(articles) == {t["data"]["article_id"] for t in tasks}
    for article_id, row in articles.items():
        assert row["split"] == _split(article_id)
    by_task = {row["task_id"]: row for row in articles.values()}
    assert by_task[1]["gold_policy"] == "majority"
    assert by_task[1]["needs_adjudication"] is True
    assert by_task[2]["gold_policy"] == "ground_truth"
    assert by_task[2]["gold_annotation_ids"] == [203]
    assert by_task[3]["gold_policy"] == "single"
    assert by_task[3]["n_annotations"] == 1  # the cancelled one does not count
    manifest = json.loads((base_release / "manifest.json").read_text())
    assert manifest["gold_policy"] == {"ground_truth": 1, "majority": 1, "single": 4}
    assert manifest["needs_adjudication"] == 1
    assert manifest["annotators"] == 3


def test_gold_spans_follow_the_policy(base_release: Path) -> None:
    spans = _read(base_release, "spans")
    texts = {(r["article_id"], r["text"], r["label"]) for r in spans}
    tasks = {t["id"]: t["data"] for t in _tasks()}
    # Article 1: two of three annotators marked Tuesday (majority keeps it).
    assert (tasks[1]["article_id"], "Tuesday", "DATE") in texts
    # Article 2: the ground truth left out "next year", the other annotation had it.
    assert (tasks[2]["article_id"], "next year", "DATE") not in texts
    assert (tasks[2]["article_id"], "Reuters", "ORG") in texts
    for row in spans:
        text = next(d["text"] for d in tasks.values() if d["article_id"] == row["article_id"])
        assert text[row["start"]:row["end"]] == row["text"]


def test_every_annotation_is_published(base_release: Path) -> None:
    tasks = _tasks()
    completed = [a for t in tasks for a in t["annotations"] if not a["was_cancelled"]]
    annotations = _read(base_release, "annotations")
    assert sorted(r["annotation_id"] for r in annotations) == sorted(a["id"] for a in completed)
    gold = {r["annotation_id"] for r in annotations if r["is_gold"]}
    assert 203 in gold and 103 in gold and 204 not in gold
    labelled = sum(1 for a in completed for item in a["result"] if item["type"] == "labels")
    assert len(_read(base_release, "annotation_spans")) == labelled


def test_claims_table_joins_source_and_cue(base_release: Path) -> None:
    claims = {r["claim_text"]: r for r in _read(base_release, "claims")}
    quote = claims["We will not raise taxes"]
    assert quote["attribution_type"] == "DIRECT_QUOTE"
    assert quote["source_text"] == "Chancellor Olaf Braun"
    assert quote["source_type"] == "NAMED_PERSON"
    assert quote["cue_text"] == "told parliament"
    own_voice = claims["Farmers in France may lose income"]
    assert own_voice["attribution_type"] == "UNATTRIBUTED"
    assert own_voice["source_id"] is None and own_voice["n_sources"] == 0


def test_entities_view_has_bio_and_conll_tags(base_release: Path) -> None:
    rows = _read(base_release, "entities")
    tagged = {tok: (ner, conll) for r in rows
              for tok, ner, conll in zip(r["tokens"], r["ner_tags"], r["conll_tags"], strict=True)}
    assert tagged["Jane"] == ("B-PERSON", "B-PER")
    assert tagged["Doe"] == ("I-PERSON", "I-PER")
    assert tagged["Spain"] == ("B-GPE", "B-LOC")
    assert tagged["Lancet"] == ("I-WORK_OF_ART", "I-MISC")
    assert tagged["Friday"] == ("B-DATE", "O")  # dates are not CoNLL-2003 entities
    texts = {t["data"]["article_id"]: t["data"]["text"] for t in _tasks()}
    for row in rows:
        text = texts[row["article_id"]]
        assert [text[s:e] for s, e in zip(row["token_starts"], row["token_ends"], strict=True)
                ] == row["tokens"]


def test_convert_rows_match_the_record_schemas() -> None:
    records = convert(_tasks(), salt=RELEASE_SALT)
    for record, rows in (("article", records.articles), ("span", records.spans),
                         ("relation", records.relations), ("claim", records.claims),
                         ("annotation", records.annotations)):
        assert rows
        for row in rows:
            problems = list(schema_errors(f"record-{record}", row))
            assert not problems, (record, row, problems[0].message)


def test_same_export_gives_byte_identical_release(tmp_path: Path, base_release: Path) -> None:
    again = release(BASE_EXPORT, version="0.1.0", dataset_dir=tmp_path, salt=RELEASE_SALT)
    assert again.ok
    first = {p.relative_to(base_release): p.read_bytes() for p in base_release.rglob("*")
             if p.is_file()}
    second = {p.relative_to(again.path): p.read_bytes() for p in again.path.rglob("*")
              if p.is_file()}
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
    manifest = json.loads((base_release / "manifest.json").read_text())
    assert manifest["created"] == "2026-03-06T10:00:00Z"  # newest annotation in the export


def test_task_order_does_not_change_the_parquet_bytes(tmp_path: Path, base_release: Path) -> None:
    other = release(RELEASE_FIXTURES / "reordered.json", version="0.1.0", dataset_dir=tmp_path,
                    salt=RELEASE_SALT)
    assert other.ok
    for path in base_release.rglob("*.parquet"):
        assert path.read_bytes() == (other.path / path.relative_to(base_release)).read_bytes(), path


def test_existing_version_is_never_overwritten(base_release_copy: Path) -> None:
    before = {p: p.read_bytes() for p in base_release_copy.rglob("*") if p.is_file()}
    result = release(ADDED_EXPORT, version="0.1.0", dataset_dir=base_release_copy.parent,
                     salt=RELEASE_SALT)
    assert not result.ok
    assert [p.code for p in result.problems] == ["version-exists"]
    assert {p: p.read_bytes() for p in base_release_copy.rglob("*") if p.is_file()} == before


def test_semver_rules_against_the_previous_release(tmp_path: Path) -> None:
    assert release(BASE_EXPORT, version="1.0.0", dataset_dir=tmp_path, salt=RELEASE_SALT).ok
    older = release(BASE_EXPORT, version="0.9.0", dataset_dir=tmp_path, salt=RELEASE_SALT)
    assert [p.code for p in older.problems] == ["version-not-newer"]

    patch_adding = release(ADDED_EXPORT, version="1.0.1", dataset_dir=tmp_path,
                           salt=RELEASE_SALT)
    assert [p.code for p in patch_adding.problems if p.severity == "error"] == ["semver-bump"]
    assert "MINOR" in patch_adding.problems[-1].message
    assert not (tmp_path / "v1.0.1").exists()

    minor_editing = release(RELEASE_FIXTURES / "edited.json", version="1.1.0", dataset_dir=tmp_path,
                            salt=RELEASE_SALT)
    assert [p.code for p in minor_editing.problems if p.severity == "error"] == ["semver-bump"]
    assert "MAJOR" in minor_editing.problems[-1].message

    assert release(RELEASE_FIXTURES / "reordered.json", version="1.0.1", dataset_dir=tmp_path,
                   salt=RELEASE_SALT).ok  # same records: a PATCH re-serialises
    added = release(ADDED_EXPORT, version="1.1.0", dataset_dir=tmp_path, salt=RELEASE_SALT)
    assert added.ok
    assert added.manifest["changes"]["articles"] == {"added": 2, "removed": 0, "changed": 0}
    assert release(RELEASE_FIXTURES / "edited.json", version="2.0.0", dataset_dir=tmp_path,
                   salt=RELEASE_SALT).ok

    changelog = (tmp_path / "CHANGELOG.md").read_text()
    assert changelog.index("## 2.0.0") < changelog.index("## 1.1.0") < changelog.index("## 1.0.0")
    entry_200 = changelog[changelog.index("## 2.0.0"):changelog.index("## 1.1.0")]
    assert "2 removed" in entry_200  # the two extra articles are gone again
    # DATE: "Monday" and "two years" went with those articles, "March" from article 4.
    assert "DATE +0/−3" in entry_200


def test_validation_errors_refuse_the_release(tmp_path: Path) -> None:
    tasks = _tasks()
    bad = copy.deepcopy(tasks)
    bad[0]["annotations"][0]["result"][0]["value"]["labels"] = ["NOT_A_LABEL"]
    export = tmp_path / "bad.json"
    export.write_text(json.dumps(bad))
    result = release(export, version="0.1.0", dataset_dir=tmp_path / "dataset", salt=RELEASE_SALT)
    assert not result.ok and has_errors(result.problems)
    assert any(p.task_id == 1 for p in result.problems if p.severity == "error")
    assert not (tmp_path / "dataset" / "v0.1.0").exists()


def test_no_email_or_name_anywhere_in_a_release(base_release: Path) -> None:
    users = [a["completed_by"] for t in _tasks() for a in t["annotations"]]
    assert all(isinstance(u, dict) and "@" in u["email"] for u in users)  # the input has them
    secrets = {s for u in users for s in (u["email"], u["first_name"], u["last_name"],
                                          u["email"].split("@")[0], u["email"].split("@")[1])}
    files = [p for p in base_release.parent.rglob("*")
             if p.is_file() and p.name != ".annotator-salt"]
    blob = b"".join(p.read_bytes() for p in files)
    for table in table_specs():
        blob += json.dumps(_read(base_release, table), default=str).encode()
    for secret in secrets:
        assert secret.encode() not in blob, secret
    annotators = {r["annotator"] for r in _read(base_release, "annotations")}
    assert len(annotators) == 3 and all(a.startswith("annotator-") for a in annotators)


def test_salt_file_is_private_and_keeps_pseudonyms_stable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSCLAIMS_ANNOTATOR_SALT", raising=False)
    assert release(BASE_EXPORT, version="0.1.0", dataset_dir=tmp_path).ok
    salt_file = tmp_path / ".annotator-salt"
    assert stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    assert release(BASE_EXPORT, version="0.1.1", dataset_dir=tmp_path).ok  # same pseudonyms: PATCH
    first = {r["annotator"] for r in _read(tmp_path / "v0.1.0", "annotations")}
    assert first == {r["annotator"] for r in _read(tmp_path / "v0.1.1", "annotations")}
    monkeypatch.setenv("NEWSCLAIMS_ANNOTATOR_SALT", "another salt")
    assert release(BASE_EXPORT, version="0.2.0", dataset_dir=tmp_path / "other").ok
    other = {r["annotator"] for r in _read(tmp_path / "other" / "v0.2.0", "annotations")}
    assert other.isdisjoint(first)


def test_the_salt_is_decided_before_the_pass_and_kept_even_by_a_refused_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSCLAIMS_ANNOTATOR_SALT", raising=False)
    bad = _tasks()
    bad[0]["annotations"][0]["result"][0]["value"]["labels"] = ["NOT_A_LABEL"]
    export = tmp_path / "bad.json"
    export.write_text(json.dumps(bad))
    root = tmp_path / "dataset"
    assert not release(export, version="0.1.0", dataset_dir=root).ok
    salt_file = root / ".annotator-salt"
    salt = salt_file.read_text("utf-8").strip()
    assert len(salt) == 64 and stat.S_IMODE(salt_file.stat().st_mode) == 0o600
    assert release(BASE_EXPORT, version="0.1.0", dataset_dir=root).ok
    assert salt_file.read_text("utf-8").strip() == salt
    # The tables were built with the file's salt: HMAC-SHA256 of the user id, 10 hex.
    users = {str(a["completed_by"]["id"]) for t in _tasks() for a in t["annotations"]
             if not a.get("was_cancelled")}
    expected = {"annotator-" + hmac.new(salt.encode(), user.encode(), "sha256").hexdigest()[:10]
                for user in users}
    assert {r["annotator"] for r in _read(root / "v0.1.0", "annotations")} == expected


def test_explicit_creation_time(tmp_path: Path) -> None:
    result = release(BASE_EXPORT, version="0.1.0", dataset_dir=tmp_path, salt=RELEASE_SALT,
                     created="2026-05-01T12:30:00+02:00", notes="First cut.")
    assert result.manifest["created"] == "2026-05-01T10:30:00Z"
    assert "First cut." in (tmp_path / "CHANGELOG.md").read_text()
    assert os.access(result.path / "manifest.json", os.R_OK)


@pytest.mark.parametrize(("chosen", "expected"), [(None, "jemalloc"), ("system", "system")])
def test_release_cli_allocator_is_jemalloc_unless_the_user_chose(chosen, expected) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if chosen:
        env["ARROW_DEFAULT_MEMORY_POOL"] = chosen
    code = "from newsclaims.release.release import prefer_jemalloc; print(prefer_jemalloc())"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == expected

"""The trained tagger (`newsclaims train`, `preannotate --model`) on a small invented
corpus: it learns a cue word no rule list holds, its predictions are valid and name
the model, training is deterministic, and a bad model file is one clear error."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from typer.testing import CliRunner

from cli_run import run_cli
from factories import annotation, region, relation, task
from newsclaims.cli import app
from newsclaims.core.errors import NewsclaimsError, Problem, Severity
from newsclaims.core.ids import article_id
from newsclaims.core.result_rules import check_result
from newsclaims.export.result_rows import parse_result
from newsclaims.ingest.brat import import_brat, write_brat_import
from newsclaims.preannotate import preannotate
from newsclaims.preannotate.tagger import MAGIC, TAGGER_VERSION, load_model
from newsclaims.review.train import train_tagger
from test_preannotate_robust import _TEXTS

BRAT_CORPUS = Path(__file__).resolve().parent / "fixtures" / "brat" / "corpus"
# "grumbled" is in no word list of the rules (the first test checks that it is no cue
# for them); the corpus teaches it to the tagger.
SPEAKERS = ["Mayor Ana Ruiz", "The harbour master", "Councillor Lena Park", "Dr. Omar Haddad",
            "The union", "Judge Maria Costa", "Officials", "The airline"]
CONTENTS = ["the bridge repairs would cost far more than planned",
            "the new timetable left whole districts without buses",
            "the audit had been delayed for a third time",
            "nobody had asked the residents before the vote",
            "the budget for schools was cut again",
            "the inspectors had found cracks in the pier"]
PLAIN = ["The ferry leaves at nine every morning.", "Rain is expected over the weekend.",
         "The market opens on Saturdays."]
NEW_TEXT = ("Rain fell all day.\n\nCommissioner Tom Hale grumbled that the tram line had been "
            "closed without warning.")


def _article(number: int) -> tuple[str, list]:
    """One invented article: two attributions with "grumbled", one with "said", a plain
    sentence; its gold items."""
    sentences, items = [], []
    for k, verb in enumerate(("grumbled", "said", "grumbled")):
        speaker = SPEAKERS[(number + 3 * k) % len(SPEAKERS)]
        content = CONTENTS[(number + k) % len(CONTENTS)]
        sentences.append(f"{speaker} {verb} that {content}.")
    sentences.insert(1, PLAIN[number % len(PLAIN)])
    text = "\n\n".join(sentences)
    seen: dict[str, int] = {}
    for k, sentence in enumerate(s for s in sentences if " that " in s):
        speaker, rest = sentence.split(" grumbled " if " grumbled " in sentence else " said ")
        verb = "grumbled" if " grumbled " in sentence else "said"
        content = rest.removeprefix("that ").rstrip(".")
        nth = {f: seen.get(f, 0) for f in (speaker, verb, content)}
        for fragment in nth:
            seen[fragment] = seen.get(fragment, 0) + 1
        ids = (f"c{k}", f"s{k}", f"q{k}")
        items += [region(ids[0], "CLAIM", text, content, nth=nth[content],
                         attribution_type="INDIRECT"),
                  region(ids[1], "SOURCE", text, speaker, nth=nth[speaker],
                         source_type="NAMED_PERSON"),
                  region(ids[2], "CUE", text, verb, nth=nth[verb]),
                  relation(ids[0], ids[1], "source"), relation(ids[0], ids[2], "cue")]
    return text, items


def _export(path: Path) -> Path:
    tasks = []
    for number in range(16):
        text, items = _article(number)
        tasks.append(task(number + 1, text, annotation(number + 1, *items),
                          article_id=article_id(text)))
    path.write_text(json.dumps(tasks), "utf-8")
    return path


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _export(tmp_path_factory.mktemp("tagger") / "gold.json")


@pytest.fixture(scope="module")
def model_file(corpus: Path) -> Path:
    out = corpus.with_name("model.bin")
    train_tagger(corpus, out, max_iterations=60)
    return out


def _prediction(text: str, model_file: Path, **kwargs) -> dict:
    return preannotate({"text": text, "article_id": article_id(text)},
                       model=load_model(model_file), **kwargs)


def _spans(prediction: dict, text: str, label: str) -> list[str]:
    parsed = parse_result(prediction["result"], text)
    return [s["text"] for s in parsed.spans if s["label"] == label]


def test_the_model_learns_a_cue_word_the_rules_do_not_know(model_file: Path) -> None:
    rules = preannotate({"text": NEW_TEXT, "article_id": article_id(NEW_TEXT)})
    assert _spans(rules, NEW_TEXT, "CUE") == []  # no list holds "grumbled"
    prediction = _prediction(NEW_TEXT, model_file)
    parsed = parse_result(prediction["result"], NEW_TEXT)
    by_id = {s["region_id"]: s for s in parsed.spans}
    linked = {(by_id[r["from_id"]]["text"], r["type"], by_id[r["to_id"]]["text"])
              for r in parsed.relations}
    claim = "the tram line had been closed without warning"
    assert (claim, "cue", "grumbled") in linked
    assert (claim, "source", "Commissioner Tom Hale") in linked


def test_predictions_are_valid_and_name_the_model(model_file: Path) -> None:
    warnings: list[Problem] = []
    prediction = _prediction(NEW_TEXT, model_file, problems=warnings)
    assert warnings == []
    assert check_result(prediction["result"], NEW_TEXT) == []
    digest = hashlib.sha256(model_file.read_bytes()).hexdigest()
    assert prediction["model_version"] == f"{TAGGER_VERSION}+{digest[:12]}"
    choices = {(i["from_name"], i["value"]["choices"][0]) for i in prediction["result"]
               if i["type"] == "choices"}
    assert {("attribution_type", "INDIRECT"), ("source_type", "NAMED_PERSON")} <= choices


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=_TEXTS)
def test_every_region_is_valid_on_news_like_text(model_file: Path, text: str) -> None:
    if not text.strip():
        return
    warnings: list[Problem] = []
    prediction = _prediction(text, model_file, problems=warnings)
    assert warnings == [], [str(w) for w in warnings]
    errors = [p for p in check_result(prediction["result"], text)
              if p.severity is Severity.ERROR]
    assert errors == [], [str(p) for p in errors]


def test_training_is_deterministic(corpus: Path, model_file: Path, tmp_path: Path) -> None:
    again = tmp_path / "again.bin"
    report = train_tagger(corpus, again, max_iterations=60)
    assert again.read_bytes() == model_file.read_bytes()
    assert report.sha256 == hashlib.sha256(again.read_bytes()).hexdigest()
    assert _prediction(NEW_TEXT, again) == _prediction(NEW_TEXT, model_file)
    other = tmp_path / "other.bin"
    train_tagger(corpus, other, max_iterations=20)
    assert _prediction(NEW_TEXT, other)["model_version"] != _prediction(
        NEW_TEXT, model_file)["model_version"]


def _damaged(model_file: Path, tmp_path: Path) -> dict[str, Path]:
    data = model_file.read_bytes()
    head, _, crf = data[len(MAGIC):].partition(b"\n")
    header = json.loads(head)
    cases = {
        "not a model": b"label,start,end\nCUE,1,2\n",
        "truncated": data[: len(data) // 2],
        "flipped": data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:],
        "header": data[: len(MAGIC)] + b"#" + data[len(MAGIC) + 1:],
        "other features": MAGIC + json.dumps(
            {**header, "feature_set": "tokens-1999"}).encode() + b"\n" + crf,
    }
    paths = {}
    for name, content in cases.items():
        paths[name] = tmp_path / f"{name.replace(' ', '-')}.bin"
        paths[name].write_bytes(content)
    paths["missing"] = tmp_path / "missing.bin"
    return paths


def test_a_bad_model_file_is_one_clear_error_exit_2(model_file: Path, tmp_path: Path) -> None:
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"text": NEW_TEXT, "article_id": article_id(NEW_TEXT)})
                        + "\n", "utf-8")
    expected = {"not a model": "not a newsclaims tagger model", "truncated": "damaged",
                "flipped": "damaged", "header": "damaged", "other features": "tokens-1999",
                "missing": "cannot read the model"}
    for name, path in _damaged(model_file, tmp_path).items():
        out = tmp_path / f"{path.stem}.jsonl"
        run = run_cli("preannotate", articles, "-o", out, "--model", path)
        assert run.returncode == 2, (name, run.stderr)
        line = run.one_error_line()
        assert str(path) in line and expected[name] in line, (name, line)
        assert not out.exists()
        with pytest.raises(NewsclaimsError, match=expected[name]):
            load_model(path)


def test_model_and_model_version_together_are_refused(model_file: Path, tmp_path: Path) -> None:
    articles = tmp_path / "articles.jsonl"
    articles.write_text(json.dumps({"text": NEW_TEXT, "article_id": article_id(NEW_TEXT)})
                        + "\n", "utf-8")
    result = CliRunner().invoke(app, ["preannotate", str(articles), "-o", str(tmp_path / "p"),
                                      "--model", str(model_file),
                                      "--model-version", "rules-2026.12"])
    assert result.exit_code == 2 and "a model names its own version" in result.output


def test_train_reads_what_import_brat_wrote(tmp_path: Path) -> None:
    write_brat_import(import_brat(BRAT_CORPUS), tmp_path / "corpus")
    model = tmp_path / "brat.bin"
    result = CliRunner().invoke(app, ["train", str(tmp_path / "corpus"), "-o", str(model),
                                      "--max-iterations", "5", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["model_version"] == load_model(model).model_version
    assert document["counts"]["articles"] == len(import_brat(BRAT_CORPUS).tasks)
    assert document["counts"]["spans_CUE"] > 0 and document["seconds"]["cpu"] > 0


def test_train_refuses_gold_without_attributions(tmp_path: Path) -> None:
    text = "The ferry leaves at nine every morning."
    gold = tmp_path / "gold.json"
    gold.write_text(json.dumps([task(1, text, annotation(1), article_id=article_id(text))]))
    run = run_cli("train", gold, "-o", tmp_path / "model.bin")
    assert run.returncode == 2
    assert "nothing to learn from" in run.one_error_line()
    assert not (tmp_path / "model.bin").exists()

"""Annotators can work: headless Chromium logs in, opens the seed and labels it.

The view label_config.xml lays out (docs/guidelines.md §8.1) is checked where it matters:
the choices of a selected region are on screen beside the text, at 1600 px and on a
1366x768 laptop, whatever the scroll; entities are a second pass; the hotkeys label;
and a task imported without predictions shows the backend's suggestions.

Uses Debian's chromium + chromium-driver (scripts/setup installs them); no browser downloads.
Screenshots land in test-artifacts/ (git-ignored) for a human to look at.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from newsclaims.core.scheme import load_scheme
from newsclaims.preannotate import model_version
from newsclaims.studio.client import existing_article_ids
from newsclaims.studio.ml_backend import connect_backend
from newsclaims.studio.push import push

pytestmark = [pytest.mark.integration, pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
NEWSCLAIMS = str(Path(sys.executable).with_name("newsclaims"))
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1200",
)


@pytest.fixture
def browser():
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        options = webdriver.ChromeOptions()
        for flag in CHROME_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.binary_location = "/usr/bin/chromium"
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(120)
        try:
            yield driver
        finally:
            driver.quit()


def _seed_articles(tmp_path: Path) -> tuple[Path, Path]:
    articles, predictions = tmp_path / "articles.jsonl", tmp_path / "predictions.jsonl"
    for args in (
        ["ingest", str(REPO / "seeds"), "-o", str(articles)],
        ["preannotate", str(articles), "-o", str(predictions)],
    ):
        subprocess.run([NEWSCLAIMS, *args], check=True, capture_output=True, timeout=300)
    return articles, predictions


@pytest.fixture(scope="module")
def seed(tmp_path_factory) -> tuple[Path, Path]:
    return _seed_articles(tmp_path_factory.mktemp("seed"))


def _pushed_seed(studio, project_title, seed) -> tuple[int, int, dict]:
    articles, predictions = seed
    article = json.loads(articles.read_text("utf-8").splitlines()[0])
    conn = studio.connect()
    pushed = push(articles, project_title=project_title, predictions=predictions, studio=conn)
    assert pushed.imported >= 1
    task_id = existing_article_ids(conn, pushed.project_id)[article["article_id"]][0]
    return pushed.project_id, task_id, article


def _login(browser, studio) -> None:
    browser.get(f"{studio.url}/user/login/")
    browser.find_element(By.NAME, "email").send_keys(studio.email)
    browser.find_element(By.NAME, "password").send_keys(studio.password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(browser, 90).until(lambda d: "/user/login" not in d.current_url)


def _open(browser, studio, project_id: int, task_id: int) -> None:
    browser.get(f"{studio.url}/projects/{project_id}/data?task={task_id}")
    WebDriverWait(browser, 90).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".htx-highlight[data-label]"))


def _shot(browser, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / name
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


# The last region of a label (with that text, if given), scrolled to the middle of the
# article's view, and a point where it (not a region nested in it) is what a click hits.
_LAST_REGION_POINT = """
const spans = Array.from(document.querySelectorAll('.htx-highlight[data-label]'))
  .filter(s => s.dataset.label.endsWith(':' + arguments[0]))
  .filter(s => arguments[1] === null || s.textContent === arguments[1]);
const span = spans[spans.length - 1];
span.scrollIntoView({block: 'center', behavior: 'instant'});
for (const r of span.getClientRects()) {
  for (let f = 0.1; f < 1; f += 0.2) {
    const x = r.left + r.width * f, y = r.top + r.height / 2;
    if (document.elementFromPoint(x, y) === span) return [x, y];
  }
}
return null;
"""


def _click_last(browser, label: str, text: str | None = None) -> None:
    point = browser.execute_script(_LAST_REGION_POINT, label, text)
    assert point, f"no clickable {label} region"
    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(int(point[0]), int(point[1])).click()
    actions.perform()
    WebDriverWait(browser, 30).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".lsf-detailed-region"))


def _in_viewport(browser, text: str) -> bool:
    """An element showing exactly `text` is displayed entirely inside the window."""
    element = WebDriverWait(browser, 30).until(
        ec.visibility_of_element_located((By.XPATH, _text_xpath(text))))
    return browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "return r.top >= 0 && r.left >= 0 && r.bottom <= innerHeight && r.right <= innerWidth;",
        element)


def _background(browser, label: str) -> str:
    return browser.execute_script(
        "const s = document.querySelector(`.htx-highlight[data-label$=':${arguments[0]}']`);"
        "return getComputedStyle(s).backgroundColor;", label)


TRANSPARENT = "rgba(0, 0, 0, 0)"


def test_annotator_sees_title_labels_instructions_and_the_prediction(
    studio, project_title, seed, browser
):
    project_id, task_id, article = _pushed_seed(studio, project_title, seed)
    _login(browser, studio)
    _open(browser, studio, project_id, task_id)
    wait = WebDriverWait(browser, 90)
    wait.until(ec.presence_of_element_located((By.XPATH, _text_xpath(article["title"]))))
    wait.until(ec.visibility_of_element_located((By.XPATH, _text_xpath(model_version()))))
    scheme = load_scheme()
    for label in scheme.labels["attribution"]:
        wait.until(ec.visibility_of_element_located((By.XPATH, _label_xpath(label))))
    project = studio.client().projects.get(id=project_id)
    assert project.show_instruction and "Pass 1, attribution" in project.expert_instruction
    assert "<details>" in project.expert_instruction


@pytest.mark.parametrize("width, height", [(1600, 1200), (1366, 768)])
def test_choices_of_the_selected_region_are_on_screen_beside_the_text(
    studio, project_title, seed, browser, width, height
):
    project_id, task_id, _ = _pushed_seed(studio, project_title, seed)
    browser.set_window_size(width, height)
    _login(browser, studio)
    _open(browser, studio, project_id, task_id)
    # Pass 1 shows the attribution layer only: entity regions have no fill.
    assert _background(browser, "GPE") == TRANSPARENT != _background(browser, "CLAIM")
    _shot(browser, f"labeling-view-{width}.png")

    _click_last(browser, "CLAIM")  # the article's last claim: the text is scrolled
    assert browser.execute_script("return document.querySelector('.lsf-main-content').scrollTop")
    for text in ("Attribution type of this CLAIM", "Certainty of this CLAIM",
                 *load_scheme().choices["attribution_type"].values):
        assert _in_viewport(browser, text), text
    # Region details list the values alone, not under Label Studio's unnamed "Choices:".
    details = browser.find_element(By.CSS_SELECTOR, ".lsf-detailed-region").text
    assert "Choices:" not in details and "UNATTRIBUTED" in details
    _shot(browser, f"labeling-claim-{width}.png")

    _click_last(browser, "SOURCE")
    for text in ("Source type of this SOURCE", *load_scheme().choices["source_type"].values):
        assert _in_viewport(browser, text), text
    _shot(browser, f"labeling-source-{width}.png")


def test_entities_are_a_second_pass(studio, project_title, seed, browser):
    project_id, task_id, _ = _pushed_seed(studio, project_title, seed)
    _login(browser, studio)
    _open(browser, studio, project_id, task_id)
    person = browser.find_element(By.XPATH, _label_xpath("PERSON"))
    assert not person.is_displayed()
    browser.find_element(By.CSS_SELECTOR, ".nc-entities [aria-expanded]").click()
    WebDriverWait(browser, 30).until(lambda d: person.is_displayed())
    assert _background(browser, "CLAIM") == TRANSPARENT != _background(browser, "GPE")
    overlay = browser.find_element(By.CSS_SELECTOR, ".relations-overlay")
    assert overlay.value_of_css_property("opacity") == "0"
    _shot(browser, "labeling-entities.png")


def test_hotkeys_mark_a_claim_and_set_its_choices(studio, project_title, seed, browser):
    project_id, task_id, _ = _pushed_seed(studio, project_title, seed)
    _login(browser, studio)
    _open(browser, studio, project_id, task_id)
    words = "signaling a move"  # outside every suggested region
    keys = ActionChains(browser)
    keys.send_keys("c").perform()
    _drag_over(browser, words)
    WebDriverWait(browser, 30).until(lambda d: d.find_elements(
        By.XPATH, f"//*[contains(@class, 'htx-highlight')][normalize-space(text())='{words}']"))
    # Label Studio leaves a new region unselected unless "Select region after creating
    # it" is on in the editor's settings (docs/guidelines.md §8.2): click it.
    _click_last(browser, "CLAIM", words)
    assert _in_viewport(browser, "Certainty of this CLAIM")
    ActionChains(browser).send_keys("2").pause(0.3).send_keys("6").pause(0.3).perform()
    ActionChains(browser).key_down(Keys.CONTROL).send_keys(Keys.ENTER).key_up(
        Keys.CONTROL).perform()
    WebDriverWait(browser, 60).until(
        lambda d: studio.client().annotations.list(id=task_id))
    [annotation] = studio.client().annotations.list(id=task_id)
    result = annotation.result
    [region] = [r for r in result if r["type"] == "labels" and r["value"]["text"] == words]
    assert region["value"]["labels"] == ["CLAIM"]
    choices = {r["from_name"]: r["value"]["choices"] for r in result
               if r["type"] == "choices" and r["id"] == region["id"]}
    assert choices == {"attribution_type": ["INDIRECT"], "certainty": ["HEDGED"]}


# Where the words `arguments[0]` start and end in the article (scrolled into view).
_WORDS_ENDS = """
const root = document.querySelector('.lsf-richtext__container');
const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
let node;
while ((node = walker.nextNode())) {
  const at = node.textContent.indexOf(arguments[0]);
  if (at < 0) continue;
  const range = document.createRange();
  range.setStart(node, at);
  range.setEnd(node, at + arguments[0].length);
  node.parentElement.scrollIntoView({block: 'center', behavior: 'instant'});
  const rects = range.getClientRects(), first = rects[0], last = rects[rects.length - 1];
  return [first.left + 1, first.top + first.height / 2, last.right - 1, last.top + last.height / 2];
}
return null;
"""


def _drag_over(browser, words: str) -> None:
    """Select `words` with the mouse, as an annotator does."""
    x1, y1, x2, y2 = (int(v) for v in browser.execute_script(_WORDS_ENDS, words))
    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(x1, y1).pointer_down().move_to_location(
        x2, y2).pointer_up()
    actions.perform()



def test_a_task_imported_without_predictions_shows_the_backends_suggestions(
    studio, fresh_project, seed, browser, ml_backend
):
    articles, _ = seed
    article = json.loads(articles.read_text("utf-8").splitlines()[0])
    link = connect_backend(studio.connect(), url=ml_backend, project_title=fresh_project.title)
    assert link.state == "Connected"
    imported = studio.client().projects.import_tasks(
        id=fresh_project.id, request=[{"data": article}], return_task_ids=True)
    [task_id] = imported.task_ids
    assert studio.client().predictions.list(task=task_id) == []  # none until it is opened
    _login(browser, studio)
    _open(browser, studio, fresh_project.id, task_id)
    WebDriverWait(browser, 90).until(
        ec.visibility_of_element_located((By.XPATH, _text_xpath(model_version()))))
    assert browser.find_elements(By.CSS_SELECTOR, ".htx-highlight[data-label$=':CLAIM']")
    _shot(browser, "backend-suggestions.png")


def _text_xpath(text: str) -> str:
    return f"//*[normalize-space(text())={_literal(text)}]"


def _label_xpath(label: str) -> str:
    """A label button: an element whose own text is exactly the label value."""
    return f"//*[contains(@class, 'label')]//*[normalize-space(text())={_literal(label)}]"


def _literal(text: str) -> str:
    if "'" not in text:
        return f"'{text}'"
    if '"' not in text:
        return f'"{text}"'
    parts = text.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"

"""Annotators can work: headless Chromium logs in and opens a seed task's labeling page.

Uses Debian's chromium + chromium-driver (scripts/setup installs them); no browser downloads.
The screenshot lands in test-artifacts/ for a human to look at.
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
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from newsclaims.core.scheme import load_scheme
from newsclaims.studio.client import existing_article_ids
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


def test_annotator_sees_title_both_label_sets_and_the_prediction(
    studio, project_title, tmp_path, browser
):
    articles, predictions = _seed_articles(tmp_path)
    seed = json.loads(articles.read_text("utf-8").splitlines()[0])
    conn = studio.connect()
    pushed = push(articles, project_title=project_title, predictions=predictions, studio=conn)
    assert pushed.imported >= 1
    task_id = existing_article_ids(conn, pushed.project_id)[seed["article_id"]][0]

    wait = WebDriverWait(browser, 90)
    browser.get(f"{studio.url}/user/login/")
    browser.find_element(By.NAME, "email").send_keys(studio.email)
    browser.find_element(By.NAME, "password").send_keys(studio.password)
    browser.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda d: "/user/login" not in d.current_url)

    browser.get(f"{studio.url}/projects/{pushed.project_id}/data?task={task_id}")
    wait.until(ec.presence_of_element_located((By.XPATH, _text_xpath(seed["title"]))))
    model_version = json.loads(predictions.read_text("utf-8").splitlines()[0])["model_version"]
    wait.until(ec.visibility_of_element_located((By.XPATH, _text_xpath(model_version))))
    scheme = load_scheme()
    for control in ("attribution", "entity"):
        for label in scheme.labels[control]:
            wait.until(ec.visibility_of_element_located((By.XPATH, _label_xpath(label))))
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "labeling-page.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000


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

"""Blind double annotation in the browser: a second annotator opens the labeling stream
(Label All Tasks), is given the overlap task the first one finished, and sees none of
the first one's regions. The same annotator opening that task from the Data Manager
does see them: the stream is the blind way in, nothing else is (docs/team.md).

Screenshots of both go to test-artifacts/ for a human to look at.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait
from stream import StreamAnnotator, articles, result_for
from team_helpers import add_annotators, cli_env, newsclaims
from test_studio_browser import browser  # noqa: F401  (the Chromium fixture)

pytestmark = [pytest.mark.integration, pytest.mark.browser]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
REGION = (By.CSS_SELECTOR, ".htx-highlight")  # how the editor draws a labelled span


def _log_in(driver, url: str, email: str, password: str) -> None:
    driver.get(f"{url}/user/login/")
    driver.find_element(By.NAME, "email").send_keys(email)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    WebDriverWait(driver, 90).until(lambda d: "/user/login" not in d.current_url)


def test_second_annotator_in_the_stream_does_not_see_the_first(studio, project_title,
                                                               tmp_path, browser):  # noqa: F811
    team_env = cli_env(studio)
    source = tmp_path / "articles.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in articles(3, project_title)))
    pushed = newsclaims(team_env, "push", str(source), "--project", project_title,
                        "--no-predictions", "--overlap", "1", "--per-task", "2", "--json")
    assert pushed.returncode == 0, pushed.stderr
    project_id = json.loads(pushed.stdout)["project_id"]
    url = team_env["LABEL_STUDIO_URL"]
    first, second = add_annotators(team_env, 2)
    stream = StreamAnnotator(url, first.token, project_id)
    task = stream.next_task()
    stream.submit(task, result_for(task["data"]["text"], first.email), 30.0)
    stream.close()
    unique = task["data"]["text"].split("bridge number ")[1].split()[0]  # only in this task
    in_text = (By.XPATH, f"//*[contains(text(), '{unique}')]")
    wait = WebDriverWait(browser, 90)
    ARTIFACTS.mkdir(exist_ok=True)

    _log_in(browser, url, second.email, second.password)
    browser.get(f"{url}/projects/{project_id}/data?labeling=1")
    wait.until(ec.visibility_of_element_located(in_text))  # served the first one's task
    wait.until(ec.element_to_be_clickable((By.XPATH, "//button[normalize-space()='Submit']")))
    assert browser.find_elements(*REGION) == []
    assert browser.save_screenshot(str(ARTIFACTS / "team-stream-blind.png"))

    # The control, and what is not enforced: the task opened from the Data Manager
    # shows the first annotator's four regions to this same annotator.
    browser.get(f"{url}/projects/{project_id}/data?task={task['id']}")
    wait.until(ec.visibility_of_element_located(in_text))
    wait.until(lambda d: len(d.find_elements(*REGION)) >= 4)
    assert browser.save_screenshot(str(ARTIFACTS / "team-data-manager-not-blind.png"))

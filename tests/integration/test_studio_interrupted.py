"""A push cut off by a killed server finishes on the next run: none missing, no duplicate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from newsclaims.core.ids import article_id
from newsclaims.studio.client import existing_article_ids, find_project
from newsclaims.studio.push import push

pytestmark = pytest.mark.integration

N_ARTICLES = 400


def test_push_killed_midway_completes_on_the_next_run(own_studio, project_title, tmp_path):
    texts = [
        f"Article {i}. Officials said the plan would cost {i} million dollars."
        for i in range(N_ARTICLES)
    ]
    path = tmp_path / "articles.jsonl"
    path.write_text(
        "".join(
            json.dumps({"text": t, "article_id": article_id(t), "title": str(i), "tags": []}) + "\n"
            for i, t in enumerate(texts)
        ),
        "utf-8",
    )
    command = [
        str(Path(sys.executable).with_name("newsclaims")),
        "push",
        str(path),
        "--project",
        project_title,
        "--batch-size",
        "5",
    ]
    proc = subprocess.Popen(
        command, env=own_studio.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    conn = own_studio.connect()
    deadline = time.monotonic() + 120
    imported_before_kill = 0
    while time.monotonic() < deadline and proc.poll() is None:
        project = find_project(conn, project_title)
        if project is not None:
            imported_before_kill = len(existing_article_ids(conn, project.id))
            if imported_before_kill >= 20:
                break
        time.sleep(0.2)
    os.killpg(own_studio.pid, signal.SIGKILL)
    _, stderr = proc.communicate(timeout=120)
    assert 0 < imported_before_kill < N_ARTICLES
    assert proc.returncode == 2, stderr
    assert "run push again" in stderr

    own_studio.restart()
    conn = own_studio.connect()
    project = find_project(conn, project_title)
    partial = len(existing_article_ids(conn, project.id))
    assert 0 < partial < N_ARTICLES

    finished = push(path, project_title=project_title, studio=conn, batch_size=50)
    assert finished.skipped == partial
    assert finished.imported == N_ARTICLES - partial
    ids = existing_article_ids(conn, project.id)
    assert sorted(ids) == sorted(article_id(t) for t in texts)
    assert all(len(task_ids) == 1 for task_ids in ids.values())
    assert own_studio.client().projects.get(id=project.id).task_number == N_ARTICLES

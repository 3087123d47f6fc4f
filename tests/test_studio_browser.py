"""The studio in a real browser (Debian's headless Chromium): sound, microphone, clicks and keys.

With STUDIO_SCREENSHOTS=1 these tests also write the pictures of docs/studio.md into docs/img/.
"""

from __future__ import annotations

from typing import Any

from ivr.audio.manifest import load, manifest_path
from ivr.content import CONTENT_DIR, load_catalog, source_hash

from .studio_support import LiveStudio, screenshot

CATALOG = load_catalog()
FRENCH = CATALOG.reference
PLAYING = "document.getElementById('player').currentTime > 0.2 && !document.getElementById('player').paused"


def row(page: Any, key: str) -> Any:
    return page.locator(f'[id="p-{key}"]')


def test_the_call_map_draws_every_node_and_plays_one(page: Any, live_studio: LiveStudio) -> None:
    page.goto(f"{live_studio.url}/map/fr")
    for name in CATALOG.tree.nodes:
        assert page.locator(f'svg a.node[data-node="{name}"]').count() == 1
    page.locator('svg a.node[data-node="create_path"]').focus()
    page.keyboard.press("Enter")  # the keyboard alone opens a node
    panel = page.locator("#hear-create_path")
    assert panel.is_visible()
    page.wait_for_function(PLAYING)
    assert panel.locator("li.sound.now .words").inner_text() == FRENCH.text("create_path.intro")
    assert page.locator("svg a.node.chosen").get_attribute("data-node") == "create_path"
    screenshot(page, "map", top=True, whole=True)


def test_a_call_plays_the_welcome_then_a_key_cuts_in_and_leads_on(page: Any, live_studio: LiveStudio) -> None:
    page.goto(f"{live_studio.url}/phone")
    page.click("#call")
    page.wait_for_function(PLAYING)
    playing = page.locator("#transcript li.sound.now")
    assert playing.locator(".words").inner_text() == FRENCH.text("welcome")
    page.keyboard.press("1")  # French; pressed while the welcome plays
    page.wait_for_selector(f"#transcript >> text={FRENCH.text('main.intro')}")
    page.wait_for_function(PLAYING)
    assert playing.locator(".words").inner_text() == FRENCH.text("main.intro")
    assert page.locator("#transcript > li").nth(0).locator("li.now").count() == 0  # the welcome stopped
    page.click("#silence")
    page.wait_for_selector(f"#transcript >> text={FRENCH.text('notice.noinput')}")
    screenshot(page, "phone", top=True)
    page.set_viewport_size({"width": 390, "height": 800})  # a phone's screen
    screenshot(page, "phone-small", top=True)


def test_approving_writes_native_and_keeps_the_comments(page: Any, live_studio: LiveStudio) -> None:
    path = live_studio.content / "ti.yaml"
    page.goto(f"{live_studio.url}/review/ti")
    screenshot(page, "review")
    row(page, "hint.help").locator("button.approve").click()
    page.wait_for_selector("text=hint.help: approved.")
    text = path.read_text(encoding="utf-8")
    block = text[text.index("  hint.help:"):].split("\n  step.next:")[0]
    assert "review: native" in block and f"source: {source_hash(FRENCH.text('hint.help'))}" in block
    original = (CONTENT_DIR / "ti.yaml").read_text(encoding="utf-8")
    comments = [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert comments and comments == [line for line in text.splitlines() if line.lstrip().startswith("#")]
    assert len(text.splitlines()) == len(original.splitlines())
    assert row(page, "hint.help").locator(".badge.ok").inner_text() == "approved"


def test_an_invalid_edit_is_refused_with_the_loaders_message(page: Any, live_studio: LiveStudio) -> None:
    path = live_studio.content / "ti.yaml"
    before = path.read_text(encoding="utf-8")
    page.goto(f"{live_studio.url}/review/ti")
    prompt = row(page, "step.done")
    prompt.locator("textarea").fill("<fr>SE CONNECTER")
    prompt.locator("button[value=save]").click()
    error = row(page, "step.done").locator(".error")
    error.wait_for()
    assert error.inner_text() == (f"Not saved: {path}: key 'prompts.step.done.text': has a language tag "
                                  "that is not closed, or nested: write <fr>words</fr>")
    assert row(page, "step.done").locator("textarea").input_value() == "<fr>SE CONNECTER"
    assert path.read_text(encoding="utf-8") == before
    row(page, "step.done").scroll_into_view_if_needed()
    screenshot(page, "review-refused")


def test_recording_a_prompt_builds_it_as_a_human_recording(page: Any, live_studio: LiveStudio) -> None:
    spoken = len(CATALOG.languages["ti"].spoken_keys())
    page.goto(f"{live_studio.url}/record/ti")
    prompt = row(page, "welcome")
    prompt.locator("button.record").click()
    page.wait_for_function(
        "Number(document.querySelector('[id=\"p-welcome\"] .elapsed').dataset.seconds || 0) > 0.8")
    prompt.locator("button.stop-take").click()
    prompt.locator("audio.preview").wait_for()
    screenshot(page, "record", top=True)  # listening back, before keeping or retrying
    prompt.locator("button.keep").click()
    page.wait_for_selector("text=welcome: kept and built (human")
    assert page.locator("#progress").inner_text() == f"ti: 1 of {spoken} recorded"
    assert (live_studio.audio / "recorded" / "ti" / "welcome.webm").is_file()
    entry = load(manifest_path(live_studio.audio)).get("ti", "welcome")
    assert entry is not None and (entry.engine, entry.quality) == ("recorded", "human")
    assert entry.duration_ms > 500
    assert prompt.locator(".badge.state").inner_text() == "recorded"
    assert prompt.locator("audio.current").get_attribute("src") == f"/audio/{entry.file}"

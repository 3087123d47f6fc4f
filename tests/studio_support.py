"""Fixtures for the studio's tests: copies of the content and audio folders, the studio on them, a browser."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from ivr.audio.builder import Builder, slow_takes
from ivr.audio.engines import standard_engines
from ivr.audio.manifest import BUILD_DIR, MANIFEST_NAME, RECORDED_DIR, manifest_path
from ivr.audio.media import FFMPEG
from ivr.config import ROOT
from ivr.content import CONTENT_DIR, load_catalog
from ivr.studio import create_app

from .conftest import serving

# French and Tigrinya are spoken by eSpeak, built ahead (see built_audio); every other language only from
# recordings, so a build after an edit or a take takes a moment instead of a whole language's synthesis.
SPOKEN = ("fr", "ti")
ENGINES = {**{lang: ["recorded", "espeak"] for lang in SPOKEN}, "*": ["recorded"]}
CHROMIUM = Path("/usr/bin/chromium")
# As the machine's notes prescribe: no sandbox as root, and no call home on a machine without internet.
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = ROOT / "docs" / "img"
# The tests that drive Chromium (the browser fixture), which the scheduler below keeps together.
BROWSER_MODULES = ("tests/test_studio_browser.py", "tests/test_stats_browser.py")


@pytest.fixture(scope="session")
def built_audio(pytestconfig: pytest.Config) -> Iterator[Path]:
    """French and Tigrinya audio, built by the line's own builder, offline, in pytest's cache folder.

    The builder is incremental: a later run rebuilds only prompts whose text or voice changed, so the
    first run pays a few seconds and the next ones nothing. Tests link to it (copy_project); none may
    change a file here, which the session checks at its end.
    """
    folder = pytestconfig.cache.mkdir("studio-built-audio")
    engines = standard_engines(folder / RECORDED_DIR, {})
    catalog = load_catalog()
    # pytest-xdist's workers share the cache folder: one builds, the others then find it up to date.
    with (folder.parent / "studio-built-audio.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        tallies = Builder(folder, engines, ENGINES, offline=True, jobs=1).build(catalog, SPOKEN)
        built = audio_files(folder)
    for lang, tally in tallies.items():
        expected = len(catalog.languages[lang].spoken_keys()) + len(slow_takes(catalog, lang))
        assert tally.built + tally.up_to_date == expected
    yield folder
    assert audio_files(folder) == built, "a test changed a file of the shared built audio"


def audio_files(folder: Path) -> dict[str, object]:
    """The built files' sizes and times (a write through a link changes them) and the manifest's bytes."""
    files: dict[str, object] = {MANIFEST_NAME: manifest_path(folder).read_bytes()}
    for path in sorted((folder / BUILD_DIR).glob("*/*")):
        status = path.stat()
        files[path.relative_to(folder).as_posix()] = (status.st_size, status.st_mtime_ns)
    return files


def link_or_copy(source: str, target: str) -> None:
    """A hard link where the folders share a file system (no bytes copied), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def copy_project(target: Path, built: Path) -> tuple[Path, Path]:
    """A content folder and an audio folder of one's own, as a person has in their copy of the project.

    The audio is hard-linked, not copied (19 MB a test): the builder and the studio never write into an
    existing audio file, they write a new one and rename it, which leaves the linked original as it was.
    """
    content, audio = target / "content", target / "audio"
    shutil.copytree(CONTENT_DIR, content)
    shutil.copytree(built, audio, copy_function=link_or_copy)
    return content, audio


def studio_config(content: Path, audio: Path, **overrides: Any) -> dict[str, Any]:
    """The studio's settings for a test: its own folders, quick builds."""
    return {"TESTING": True, "CONTENT_DIR": str(content), "AUDIO_DIR": str(audio), "AUDIO_ENGINES": ENGINES,
            "SECRET_KEY": "test", **overrides}


@pytest.fixture(scope="session")
def shared_dirs(tmp_path_factory: pytest.TempPathFactory, built_audio: Path) -> Iterator[tuple[Path, Path]]:
    """Folders shared by the tests that only look: none of them may change a file here."""
    content, audio = copy_project(tmp_path_factory.mktemp("shared"), built_audio)
    yield content, audio
    for path in CONTENT_DIR.glob("*.yaml"):
        assert (content / path.name).read_bytes() == path.read_bytes(), f"a test changed {path.name}"
    assert not (audio / RECORDED_DIR).exists(), "a test recorded into the shared audio folder"


@pytest.fixture(scope="session")
def shared_studio(shared_dirs: tuple[Path, Path]) -> Flask:
    """One studio for the tests that only look (pages, calls, refusals), built once."""
    return create_app(studio_config(*shared_dirs))


@pytest.fixture
def viewer(shared_studio: Flask) -> FlaskClient:
    """A client of the shared studio, from this machine."""
    return shared_studio.test_client()


@pytest.fixture
def studio_dirs(tmp_path: Path, built_audio: Path) -> tuple[Path, Path]:
    """This test's own content and audio folders, for a test that changes them."""
    return copy_project(tmp_path, built_audio)


@pytest.fixture
def make_studio(studio_dirs: tuple[Path, Path]) -> Callable[..., Flask]:
    """Build a studio on this test's folders; keyword arguments override its settings."""

    def build(**overrides: Any) -> Flask:
        return create_app(studio_config(*studio_dirs, **overrides))

    return build


@pytest.fixture
def studio(make_studio: Callable[..., Flask]) -> Flask:
    """The studio as `make studio` runs it."""
    return make_studio()


@pytest.fixture
def studio_client(studio: Flask) -> FlaskClient:
    """A browser-less client, from this machine."""
    return studio.test_client()


def tone_file(path: Path, seconds: float = 1.5, codec: list[str] | None = None) -> Path:
    """A few seconds of a voice-like tone between short silences, in the format the name asks for."""
    source = "sine=frequency=220:sample_rate=48000:duration=" + str(seconds)
    command = [FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono:d=0.3",
               "-f", "lavfi", "-i", source, "-filter_complex", "[0][1][0]concat=n=3:v=0:a=1",
               "-ac", "1", *(codec or []), str(path)]
    subprocess.run(command, check=True)
    return path


def edit_by_hand(path: Path, old: str, new: str) -> None:
    """Change a file as a person would in an editor, behind the studio's back."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@dataclass(frozen=True)
class LiveStudio:
    """The studio served on loopback for the browser, and the folders it writes into."""

    url: str
    content: Path
    audio: Path


@pytest.fixture(scope="session")
def live_studio(tmp_path_factory: pytest.TempPathFactory, built_audio: Path) -> Iterator[LiveStudio]:
    """One studio server for the session's browser tests, on its own copy of the folders."""
    content, audio = copy_project(tmp_path_factory.mktemp("live"), built_audio)
    server = make_server("127.0.0.1", 0, create_app(studio_config(content, audio)), threaded=True)
    with serving(server):
        yield LiveStudio(f"http://127.0.0.1:{server.server_port}", content, audio)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """With pytest-xdist's usual --dist load: the browser's tests all go to one worker, first, so one
    Chromium starts instead of one per worker, and half a minute of them never ends a worker's run.

    (--dist loadgroup would do it with marks, but pytest 9.2 ignores its groups: pytest-xdist#1386.)
    """
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        """Every test a unit of its own, except the browser's, one unit; the largest units go first."""

        def _split_scope(self, nodeid: str) -> str:
            return "browser" if nodeid.split("::")[0] in BROWSER_MODULES else nodeid

    return BrowserTestsTogether(config, log)


@pytest.fixture(scope="session")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's Chromium driven by Playwright, with a fake microphone that plays a tone; one per session."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (make browser installs it)")
    from playwright.sync_api import sync_playwright

    microphone = tone_file(tmp_path_factory.mktemp("microphone") / "voice.wav", codec=["-c:a", "pcm_s16le"])
    flags = [*CHROMIUM_FLAGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
             f"--use-file-for-fake-audio-capture={microphone}"]
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path_factory.mktemp("chromium-profile")), executable_path=str(CHROMIUM), headless=True,
            args=flags, viewport={"width": 1280, "height": 860})
        yield context
        context.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A new tab; a script error on the page fails the test."""
    tab = browser.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    yield tab
    tab.close()
    assert errors == []


def screenshot(page: Any, name: str, top: bool = False, whole: bool = False) -> None:
    """Keep a picture of the page (from its top, or all of it) for docs/studio.md, if STUDIO_SCREENSHOTS=1."""
    if os.environ.get("STUDIO_SCREENSHOTS") == "1":
        if top:
            page.evaluate("window.scrollTo(0, 0)")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"studio-{name}.png"), full_page=whole)
